package dev.weightclass.runtime;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Copies the rows of a 32-block weight (Q4_0, Q8_0) into a row-interleaved layout, one group of
 * rows at a time, in parallel: per block, the quant bytes of all rows of the group as columns (the
 * k-th byte of every row side by side, {@code groupRows} bytes per column), then the rows' F16
 * scales. Where each row goes inside a column and among the scales is the kernel's choice.
 * The copy is a byte transpose, done 8 rows by 8 bytes at a time in longs.
 */
final class RowGroups {
    private RowGroups() {}

    private static final java.lang.invoke.VarHandle LONG =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

    /**
     * @param rowAt   for each byte position in a column, the row of the group stored there
     * @param scaleAt for each row, the byte offset of its scale after the columns
     * @param xor     flipped in every quant byte (a kernel's sign trick), 8 bytes at a time
     */
    static MemorySegment pack(WeightMatrix w, int groupRows, int[] rowAt, int[] scaleAt, long xor, Arena arena,
                              Kernels threads) {
        int groups = w.rows() / groupRows, blocks = w.cols() / 32;
        int blockBytes = w.type().blockBytes(), quants = blockBytes - 2, outBlock = groupRows * blockBytes;
        long rowBytes = w.rowBytes();
        MemorySegment src = w.data();
        MemorySegment p = HugePages.allocate((long) groups * blocks * outBlock, arena);
        int groupBytes = Math.toIntExact(rowBytes * groupRows);
        threads.parallelFor(groups, 1, (g0, g1) -> {
            // a group's rows are contiguous in the source: one bulk copy in, the transpose on arrays, one bulk copy out
            byte[] in = new byte[groupBytes], out = new byte[groupBytes];
            int[] rowStart = new int[groupRows];
            for (int i = 0; i < groupRows; i++) rowStart[i] = (int) (rowAt[i] * rowBytes);
            for (int g = g0; g < g1; g++) {
                MemorySegment.copy(src, ValueLayout.JAVA_BYTE, (long) g * groupBytes, in, 0, groupBytes);
                for (int b = 0; b < blocks; b++) {
                    int o = b * outBlock, q = 2 + b * blockBytes;
                    for (int pos = 0; pos < groupRows; pos += 8) {
                        for (int k = 0; k < quants; k += 8) {
                            int at = q + k;
                            long a0 = (long) LONG.get(in, rowStart[pos] + at) ^ xor, a1 = (long) LONG.get(in, rowStart[pos + 1] + at) ^ xor;
                            long a2 = (long) LONG.get(in, rowStart[pos + 2] + at) ^ xor, a3 = (long) LONG.get(in, rowStart[pos + 3] + at) ^ xor;
                            long a4 = (long) LONG.get(in, rowStart[pos + 4] + at) ^ xor, a5 = (long) LONG.get(in, rowStart[pos + 5] + at) ^ xor;
                            long a6 = (long) LONG.get(in, rowStart[pos + 6] + at) ^ xor, a7 = (long) LONG.get(in, rowStart[pos + 7] + at) ^ xor;
                            // 8x8 byte transpose (byte j of long i <-> byte i of long j): swap the
                            // off-diagonal 1-, 2- and 4-byte blocks of row pairs 1, 2 and 4 apart
                            long t, m1 = 0x00FF00FF00FF00FFL, m2 = 0x0000FFFF0000FFFFL, m4 = 0x00000000FFFFFFFFL;
                            t = ((a0 >>> 8) ^ a1) & m1; a1 ^= t; a0 ^= t << 8;
                            t = ((a2 >>> 8) ^ a3) & m1; a3 ^= t; a2 ^= t << 8;
                            t = ((a4 >>> 8) ^ a5) & m1; a5 ^= t; a4 ^= t << 8;
                            t = ((a6 >>> 8) ^ a7) & m1; a7 ^= t; a6 ^= t << 8;
                            t = ((a0 >>> 16) ^ a2) & m2; a2 ^= t; a0 ^= t << 16;
                            t = ((a1 >>> 16) ^ a3) & m2; a3 ^= t; a1 ^= t << 16;
                            t = ((a4 >>> 16) ^ a6) & m2; a6 ^= t; a4 ^= t << 16;
                            t = ((a5 >>> 16) ^ a7) & m2; a7 ^= t; a5 ^= t << 16;
                            t = ((a0 >>> 32) ^ a4) & m4; a4 ^= t; a0 ^= t << 32;
                            t = ((a1 >>> 32) ^ a5) & m4; a5 ^= t; a1 ^= t << 32;
                            t = ((a2 >>> 32) ^ a6) & m4; a6 ^= t; a2 ^= t << 32;
                            t = ((a3 >>> 32) ^ a7) & m4; a7 ^= t; a3 ^= t << 32;
                            int col = o + k * groupRows + pos;
                            LONG.set(out, col, a0);
                            LONG.set(out, col + groupRows, a1);
                            LONG.set(out, col + 2 * groupRows, a2);
                            LONG.set(out, col + 3 * groupRows, a3);
                            LONG.set(out, col + 4 * groupRows, a4);
                            LONG.set(out, col + 5 * groupRows, a5);
                            LONG.set(out, col + 6 * groupRows, a6);
                            LONG.set(out, col + 7 * groupRows, a7);
                        }
                    }
                    int scales = o + groupRows * quants;
                    for (int i = 0; i < groupRows; i++) {
                        int from = rowStart[i] + q - 2, to = scales + scaleAt[rowAt[i]];
                        out[to] = in[from];
                        out[to + 1] = in[from + 1];
                    }
                }
                MemorySegment.copy(out, 0, p, ValueLayout.JAVA_BYTE, (long) g * groupBytes, groupBytes);
            }
        });
        return p;
    }

    /** Rows per interleaved group for a weight type ({@link InterleavedQ4_0}, {@link InterleavedQ8_0}); 0 when it has none. */
    static int rowsPerGroup(dev.weightclass.tensor.TensorType t) {
        return switch (t) {
            case Q4_0 -> InterleavedQ4_0.ROWS;
            case Q8_0 -> InterleavedQ8_0.ROWS;
            default -> 0;
        };
    }

    /** The inverse of a row-to-position map. */
    static int[] rowsAt(int groupRows, java.util.function.IntUnaryOperator position) {
        int[] rowAt = new int[groupRows];
        for (int r = 0; r < groupRows; r++) rowAt[position.applyAsInt(r)] = r;
        return rowAt;
    }
}
