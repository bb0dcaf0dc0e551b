package dev.weightclass.runtime;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Copies a weight's rows into a kernel's own layout one group of rows at a time, in parallel. */
final class RowGroups {
    private RowGroups() {}

    /** Places one source row (its stored bytes) as row {@code r} of a group's bytes. */
    @FunctionalInterface
    interface Scatter {
        void row(byte[] source, int r, byte[] group);
    }

    /** The first {@code rows / groupRows} whole groups of {@code w}, each {@code groupRows * rowBytes} bytes, in native memory of {@code arena}. */
    static MemorySegment pack(WeightMatrix w, int groupRows, Arena arena, Kernels threads, Scatter scatter) {
        int groups = w.rows() / groupRows;
        long rowBytes = w.rowBytes();
        int groupBytes = Math.toIntExact(rowBytes * groupRows);
        MemorySegment src = w.data();
        MemorySegment p = arena.allocate((long) groups * groupBytes, 64);
        threads.parallelFor(groups, 1, (g0, g1) -> {
            byte[] in = new byte[(int) rowBytes];
            byte[] out = new byte[groupBytes];
            for (int g = g0; g < g1; g++) {
                for (int r = 0; r < groupRows; r++) {
                    MemorySegment.copy(src, ValueLayout.JAVA_BYTE, ((long) g * groupRows + r) * rowBytes, in, 0, in.length);
                    scatter.row(in, r, out);
                }
                MemorySegment.copy(out, 0, p, ValueLayout.JAVA_BYTE, (long) g * groupBytes, groupBytes);
            }
        });
        return p;
    }
}
