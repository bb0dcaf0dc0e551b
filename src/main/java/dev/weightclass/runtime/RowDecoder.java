package dev.weightclass.runtime;

import dev.weightclass.WeightclassException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Element-by-element decoding of one stored row into floats: the reference every kernel is checked against. */
final class RowDecoder {
    private RowDecoder() {}

    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED;

    static float f16(MemorySegment s, long off) {
        return Float.float16ToFloat(s.get(I16, off));
    }

    static float bf16(MemorySegment s, long off) {
        return Float.intBitsToFloat((s.get(I16, off) & 0xFFFF) << 16);
    }

    /** Row {@code row} of {@code w} into {@code out[off..off+cols)}. */
    static void decode(WeightMatrix w, int row, float[] out, int off) {
        MemorySegment s = w.data();
        long base = w.rowOffset(row);
        int cols = w.cols();
        switch (w.type()) {
            case F32 -> {
                for (int c = 0; c < cols; c++) out[off + c] = s.get(F32, base + 4L * c);
            }
            case F16 -> {
                for (int c = 0; c < cols; c++) out[off + c] = f16(s, base + 2L * c);
            }
            case BF16 -> {
                for (int c = 0; c < cols; c++) out[off + c] = bf16(s, base + 2L * c);
            }
            case Q8_0 -> {
                // block: f16 scale d, 32 x int8 q; x = d * q
                for (int b = 0; b < cols / 32; b++) {
                    long bo = base + 34L * b;
                    float d = f16(s, bo);
                    for (int j = 0; j < 32; j++) out[off + 32 * b + j] = d * s.get(ValueLayout.JAVA_BYTE, bo + 2 + j);
                }
            }
            case Q4_0 -> {
                // block: f16 scale d, 16 bytes; element j is the low nibble of byte j, element j+16 the high
                // nibble; x = d * (nibble - 8)
                for (int b = 0; b < cols / 32; b++) {
                    long bo = base + 18L * b;
                    float d = f16(s, bo);
                    for (int j = 0; j < 16; j++) {
                        int q = s.get(ValueLayout.JAVA_BYTE, bo + 2 + j) & 0xFF;
                        out[off + 32 * b + j] = d * ((q & 0x0F) - 8);
                        out[off + 32 * b + j + 16] = d * ((q >>> 4) - 8);
                    }
                }
            }
            default -> throw new WeightclassException(w.name() + ": tensor type " + w.type() + " is not supported");
        }
    }
}
