package dev.weightclass.runtime;

import dev.weightclass.WeightclassException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The lookup table of a palettized weight (weight sharing by k-means): every element is stored as a
 * {@code bits}-bit index into the table of its group of rows. Rows {@code [g*groupRows, (g+1)*groupRows)}
 * share table {@code g}; {@code lut[g * entries() + i]} is the value of index i in group g.
 * <p>
 * Indices are packed per row as a little-endian bit stream: element c of a row occupies bits
 * {@code [c*bits, c*bits + bits)} of the row, bit k of the stream being bit {@code k % 8} of byte
 * {@code k / 8}; each row starts on a byte ({@link #rowBytes}). The file layout is in docs/SHARING.md.
 *
 * @param bits      index width, 1..8
 * @param groupRows rows that share one table
 * @param lut       [groups, 2^bits] values (held as floats: the table is small)
 */
public record Palette(int bits, int groupRows, float[] lut) {

    public Palette {
        if (bits < 1 || bits > 8) throw new WeightclassException("palette index width must be 1..8 bits, got " + bits);
        if (groupRows < 1) throw new WeightclassException("palette group must hold at least one row, got " + groupRows);
        if (lut.length % (1 << bits) != 0) {
            throw new WeightclassException("palette table of " + lut.length + " values is not whole tables of " + (1 << bits));
        }
    }

    public int entries() { return 1 << bits; }

    public int groups() { return lut.length / entries(); }

    /** Bytes of one packed row of {@code cols} indices. */
    public static long rowBytes(int cols, int bits) { return ((long) cols * bits + 7) / 8; }

    public long rowBytes(int cols) { return rowBytes(cols, bits); }

    /** Index of element {@code col} of the packed row starting at {@code rowOff}. */
    public static int index(MemorySegment idx, long rowOff, int col, int bits) {
        long bit = (long) col * bits;
        long at = rowOff + (bit >>> 3);
        int shift = (int) (bit & 7);
        int v = idx.get(ValueLayout.JAVA_BYTE, at) & 0xFF;
        if (shift + bits > 8) v |= (idx.get(ValueLayout.JAVA_BYTE, at + 1) & 0xFF) << 8;
        return (v >>> shift) & ((1 << bits) - 1);
    }

    /** Row {@code row} of a palettized matrix into {@code out[off..off+cols)}. */
    static void decode(WeightMatrix w, int row, float[] out, int off) {
        Palette p = w.palette();
        MemorySegment s = w.data();
        long base = w.rowOffset(row);
        int cols = w.cols(), bits = p.bits;
        int lutBase = (row / p.groupRows) * p.entries();
        float[] lut = p.lut;
        switch (bits) {
            case 8 -> {
                for (int c = 0; c < cols; c++) out[off + c] = lut[lutBase + (s.get(ValueLayout.JAVA_BYTE, base + c) & 0xFF)];
            }
            case 4 -> {
                for (int c = 0; c < cols; c++) {
                    int b = s.get(ValueLayout.JAVA_BYTE, base + (c >>> 1)) & 0xFF;
                    out[off + c] = lut[lutBase + ((c & 1) == 0 ? b & 15 : b >>> 4)];
                }
            }
            default -> {
                for (int c = 0; c < cols; c++) out[off + c] = lut[lutBase + index(s, base, c, bits)];
            }
        }
    }

    /** {@code out[b][r] = W[r,:] · x[b]}: each row is expanded once through the table, then dotted. */
    static void matmul(Kernels k, WeightMatrix w, float[][] x, float[][] out, int n) {
        int cols = w.cols();
        k.parallelFor(w.rows(), Math.max(4, 16384 / Math.max(1, cols * n)), (r0, r1) -> {
            float[] row = new float[cols];
            for (int r = r0; r < r1; r++) {
                decode(w, r, row, 0);
                for (int b = 0; b < n; b++) out[b][r] = k.dot(row, 0, x[b], 0, cols);
            }
        });
    }
}
