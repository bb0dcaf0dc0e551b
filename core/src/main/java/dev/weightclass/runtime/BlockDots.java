package dev.weightclass.runtime;

import dev.weightclass.tensor.TensorType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The reference dot products of one stored row of a 32-block type with an activation row quantized
 * to Q8_0/Q8_1 ({@link QuantizedInput}), in ggml's formulas: per block an exact integer sum of
 * quant products, times the two block scales; Q4_1/Q5_1 add {@code m * s} (weight block minimum
 * times the activation block's stored {@code d * sum(q)}).
 */
final class BlockDots {
    private BlockDots() {}

    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED;

    /** Weight types with an integer block product here. */
    static boolean supports(TensorType t) {
        return t == TensorType.Q8_0 || t == TensorType.Q4_0 || t == TensorType.Q4_1
                || t == TensorType.Q5_0 || t == TensorType.Q5_1;
    }

    /** Row at {@code base} of a {@code cols}-long row of type {@code t} times {@code x} (quantized for {@code t}). */
    static float dot(TensorType t, MemorySegment s, long base, QuantizedInput x, int cols) {
        return switch (t) {
            case Q8_0 -> q8_0(s, base, x, cols);
            case Q4_0 -> q4_0(s, base, x, cols);
            case Q4_1 -> q4_1(s, base, x, cols);
            case Q5_0 -> q5(s, base, x, cols, false);
            case Q5_1 -> q5(s, base, x, cols, true);
            default -> throw new IllegalArgumentException("no integer block product for " + t);
        };
    }

    static float q8_0(MemorySegment s, long base, QuantizedInput x, int cols) {
        float sum = 0;
        for (int b = 0; b < cols / 32; b++) {
            long bo = base + 34L * b;
            int sumi = 0;
            for (int j = 0; j < 32; j++) sumi += s.get(ValueLayout.JAVA_BYTE, bo + 2 + j) * (int) x.q[32 * b + j];
            sum += sumi * (RowDecoder.f16(s, bo) * x.d[b]);
        }
        return sum;
    }

    static float q4_0(MemorySegment s, long base, QuantizedInput x, int cols) {
        float sum = 0;
        for (int b = 0; b < cols / 32; b++) {
            long bo = base + 18L * b;
            int sumi = 0;
            for (int j = 0; j < 16; j++) {
                int q = s.get(ValueLayout.JAVA_BYTE, bo + 2 + j) & 0xFF;
                sumi += ((q & 0x0F) - 8) * (int) x.q[32 * b + j] + ((q >>> 4) - 8) * (int) x.q[32 * b + 16 + j];
            }
            sum += sumi * (RowDecoder.f16(s, bo) * x.d[b]);
        }
        return sum;
    }

    static float q4_1(MemorySegment s, long base, QuantizedInput x, int cols) {
        float sum = 0;
        for (int b = 0; b < cols / 32; b++) {
            long bo = base + 20L * b;
            int sumi = 0;
            for (int j = 0; j < 16; j++) {
                int q = s.get(ValueLayout.JAVA_BYTE, bo + 4 + j) & 0xFF;
                sumi += (q & 0x0F) * (int) x.q[32 * b + j] + (q >>> 4) * (int) x.q[32 * b + 16 + j];
            }
            sum += (RowDecoder.f16(s, bo) * x.d[b]) * sumi + RowDecoder.f16(s, bo + 2) * x.s[b];
        }
        return sum;
    }

    /** Q5_0 (d, qh, qs; value = 5-bit - 16) and Q5_1 (d, m, qh, qs; value = 5-bit, plus m * s). */
    static float q5(MemorySegment s, long base, QuantizedInput x, int cols, boolean withMin) {
        int bytes = withMin ? 24 : 22, qhAt = withMin ? 4 : 2, off = withMin ? 0 : 16;
        float sum = 0;
        for (int b = 0; b < cols / 32; b++) {
            long bo = base + (long) bytes * b;
            int qh = s.get(I32, bo + qhAt);
            int sumi = 0;
            for (int j = 0; j < 16; j++) {
                int q = s.get(ValueLayout.JAVA_BYTE, bo + qhAt + 4 + j) & 0xFF;
                int lo = ((q & 0x0F) | ((qh >>> j) & 1) << 4) - off;
                int hi = ((q >>> 4) | ((qh >>> (j + 16)) & 1) << 4) - off;
                sumi += lo * (int) x.q[32 * b + j] + hi * (int) x.q[32 * b + 16 + j];
            }
            float d = RowDecoder.f16(s, bo) * x.d[b];
            sum += withMin ? d * sumi + RowDecoder.f16(s, bo + 2) * x.s[b] : sumi * d;
        }
        return sum;
    }
}
