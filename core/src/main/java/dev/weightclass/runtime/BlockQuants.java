package dev.weightclass.runtime;

import dev.weightclass.tensor.TensorType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** The integer quants of one 32-block of the legacy ggml types, in element order (for block products). */
final class BlockQuants {
    private BlockQuants() {}

    static boolean supports(TensorType t) {
        return t == TensorType.Q8_0 || t == TensorType.Q5_0 || t == TensorType.Q4_1 || t == TensorType.Q5_1;
    }

    /**
     * The 32 quants of the block at {@code bo} into {@code q[o..o+32)}: Q8_0 as stored; Q5_0 as its 5-bit
     * value minus 16; Q4_1/Q5_1 as the unsigned 4/5-bit value (their minimum is applied apart).
     */
    static void unpack(TensorType t, MemorySegment s, long bo, int[] q, int o) {
        switch (t) {
            case Q8_0 -> {
                for (int j = 0; j < 32; j++) q[o + j] = s.get(ValueLayout.JAVA_BYTE, bo + 2 + j);
            }
            case Q4_1 -> {
                for (int j = 0; j < 16; j++) {
                    int v = s.get(ValueLayout.JAVA_BYTE, bo + 4 + j) & 0xFF;
                    q[o + j] = v & 0x0F;
                    q[o + j + 16] = v >>> 4;
                }
            }
            case Q5_0, Q5_1 -> {
                boolean withMin = t == TensorType.Q5_1;
                int qhAt = withMin ? 4 : 2, off = withMin ? 0 : 16;
                int qh = s.get(ValueLayout.JAVA_INT_UNALIGNED, bo + qhAt);
                for (int j = 0; j < 16; j++) {
                    int v = s.get(ValueLayout.JAVA_BYTE, bo + qhAt + 4 + j) & 0xFF;
                    q[o + j] = ((v & 0x0F) | ((qh >>> j) & 1) << 4) - off;
                    q[o + j + 16] = ((v >>> 4) | ((qh >>> (j + 16)) & 1) << 4) - off;
                }
            }
            default -> throw new IllegalArgumentException("no block quants for " + t);
        }
    }
}
