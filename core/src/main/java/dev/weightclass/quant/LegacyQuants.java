package dev.weightclass.quant;

import dev.weightclass.tensor.TensorType;

import static dev.weightclass.quant.Ggml.*;

/**
 * The 32-element block types (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1): scalar reference
 * implementations following ggml's quantize_row_*_ref and dequantize_row_*.
 */
final class LegacyQuants {
    private LegacyQuants() {}

    /** Index and value of the element with the largest magnitude (first one on ties). */
    static float signedAbsMax(float[] x, int xo, int n) {
        float amax = 0, max = 0;
        for (int j = 0; j < n; j++) {
            float v = x[xo + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        return max;
    }

    /** Q8_0: fp16 d, 32 x int8. d = amax/127, q = roundf(x/d). */
    static final class Q8_0 extends BlockQuantizer {
        Q8_0() { super(TensorType.Q8_0); }

        @Override
        void quantizeBlock(float[] x, int xo, byte[] y, int yo) {
            float amax = 0;
            for (int j = 0; j < 32; j++) amax = max(amax, Math.abs(x[xo + j]));
            float d = amax / ((1 << 7) - 1);
            float id = d != 0 ? 1.0f / d : 0.0f;
            Half.putFloat(y, yo, d);
            for (int j = 0; j < 32; j++) y[yo + 2 + j] = (byte) (int) roundf(x[xo + j] * id);
        }

        @Override
        void dequantizeBlock(byte[] b, int bo, float[] y, int yo) {
            float d = Half.getFloat(b, bo);
            for (int j = 0; j < 32; j++) y[yo + j] = b[bo + 2 + j] * d;
        }
    }

    /** Q8_1: fp16 d, fp16 s = d * sum(q), 32 x int8 (the activation format of Q4_1/Q5_1 dots). */
    static final class Q8_1 extends BlockQuantizer {
        Q8_1() { super(TensorType.Q8_1); }

        @Override
        void quantizeBlock(float[] x, int xo, byte[] y, int yo) {
            float amax = 0;
            for (int j = 0; j < 32; j++) amax = max(amax, Math.abs(x[xo + j]));
            float d = amax / ((1 << 7) - 1);
            float id = d != 0 ? 1.0f / d : 0.0f;
            Half.putFloat(y, yo, d);
            int sum = 0;
            for (int j = 0; j < 16; j++) {
                int q0 = (byte) (int) roundf(x[xo + j] * id);
                int q1 = (byte) (int) roundf(x[xo + 16 + j] * id);
                y[yo + 4 + j] = (byte) q0;
                y[yo + 4 + 16 + j] = (byte) q1;
                sum += q0 + q1;
            }
            Half.putFloat(y, yo + 2, sum * d);
        }

        @Override
        void dequantizeBlock(byte[] b, int bo, float[] y, int yo) {
            float d = Half.getFloat(b, bo);
            for (int j = 0; j < 32; j++) y[yo + j] = b[bo + 4 + j] * d;
        }
    }

    /** Q4_0: fp16 d, 16 bytes of nibbles; d = max/-8 where max has the largest magnitude. */
    static final class Q4_0 extends BlockQuantizer {
        Q4_0() { super(TensorType.Q4_0); }

        @Override
        void quantizeBlock(float[] x, int xo, byte[] y, int yo) {
            float max = signedAbsMax(x, xo, 32);
            float d = max / -8;
            float id = d != 0 ? 1.0f / d : 0.0f;
            Half.putFloat(y, yo, d);
            for (int j = 0; j < 16; j++) {
                int xi0 = minI(15, truncToInt8(x[xo + j] * id + 8.5f));
                int xi1 = minI(15, truncToInt8(x[xo + 16 + j] * id + 8.5f));
                y[yo + 2 + j] = (byte) (xi0 | (xi1 << 4));
            }
        }

        @Override
        void dequantizeBlock(byte[] b, int bo, float[] y, int yo) {
            float d = Half.getFloat(b, bo);
            for (int j = 0; j < 16; j++) {
                int q = b[bo + 2 + j] & 0xFF;
                y[yo + j] = ((q & 0x0F) - 8) * d;
                y[yo + j + 16] = ((q >> 4) - 8) * d;
            }
        }
    }

    /** Q4_1: fp16 d, fp16 m (the block minimum), 16 bytes of nibbles. */
    static final class Q4_1 extends BlockQuantizer {
        Q4_1() { super(TensorType.Q4_1); }

        @Override
        void quantizeBlock(float[] x, int xo, byte[] y, int yo) {
            float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
            for (int j = 0; j < 32; j++) {
                float v = x[xo + j];
                if (v < min) min = v;
                if (v > max) max = v;
            }
            float d = (max - min) / ((1 << 4) - 1);
            float id = d != 0 ? 1.0f / d : 0.0f;
            Half.putFloat(y, yo, d);
            Half.putFloat(y, yo + 2, min);
            for (int j = 0; j < 16; j++) {
                int xi0 = minI(15, truncToInt8((x[xo + j] - min) * id + 0.5f));
                int xi1 = minI(15, truncToInt8((x[xo + 16 + j] - min) * id + 0.5f));
                y[yo + 4 + j] = (byte) (xi0 | (xi1 << 4));
            }
        }

        @Override
        void dequantizeBlock(byte[] b, int bo, float[] y, int yo) {
            float d = Half.getFloat(b, bo);
            float m = Half.getFloat(b, bo + 2);
            for (int j = 0; j < 16; j++) {
                int q = b[bo + 4 + j] & 0xFF;
                y[yo + j] = (q & 0x0F) * d + m;
                y[yo + j + 16] = (q >> 4) * d + m;
            }
        }
    }

    /** Q5_0: fp16 d, 4 bytes of fifth bits, 16 bytes of low nibbles; d = max/-16. */
    static final class Q5_0 extends BlockQuantizer {
        Q5_0() { super(TensorType.Q5_0); }

        @Override
        void quantizeBlock(float[] x, int xo, byte[] y, int yo) {
            float max = signedAbsMax(x, xo, 32);
            float d = max / -16;
            float id = d != 0 ? 1.0f / d : 0.0f;
            Half.putFloat(y, yo, d);
            int qh = 0;
            for (int j = 0; j < 16; j++) {
                int xi0 = minI(31, truncToInt8(x[xo + j] * id + 16.5f)) & 0xFF;
                int xi1 = minI(31, truncToInt8(x[xo + 16 + j] * id + 16.5f)) & 0xFF;
                y[yo + 6 + j] = (byte) ((xi0 & 0x0F) | ((xi1 & 0x0F) << 4));
                qh |= ((xi0 & 0x10) >>> 4) << j;
                qh |= ((xi1 & 0x10) >>> 4) << (j + 16);
            }
            putInt(y, yo + 2, qh);
        }

        @Override
        void dequantizeBlock(byte[] b, int bo, float[] y, int yo) {
            float d = Half.getFloat(b, bo);
            int qh = getInt(b, bo + 2);
            for (int j = 0; j < 16; j++) {
                int xh0 = ((qh >>> j) << 4) & 0x10;
                int xh1 = (qh >>> (j + 12)) & 0x10;
                int q = b[bo + 6 + j] & 0xFF;
                y[yo + j] = (((q & 0x0F) | xh0) - 16) * d;
                y[yo + j + 16] = (((q >> 4) | xh1) - 16) * d;
            }
        }
    }

    /** Q5_1: fp16 d, fp16 m, 4 bytes of fifth bits, 16 bytes of low nibbles. */
    static final class Q5_1 extends BlockQuantizer {
        Q5_1() { super(TensorType.Q5_1); }

        @Override
        void quantizeBlock(float[] x, int xo, byte[] y, int yo) {
            float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
            for (int j = 0; j < 32; j++) {
                float v = x[xo + j];
                if (v < min) min = v;
                if (v > max) max = v;
            }
            float d = (max - min) / ((1 << 5) - 1);
            float id = d != 0 ? 1.0f / d : 0.0f;
            Half.putFloat(y, yo, d);
            Half.putFloat(y, yo + 2, min);
            int qh = 0;
            for (int j = 0; j < 16; j++) {
                int xi0 = truncToUint8((x[xo + j] - min) * id + 0.5f);
                int xi1 = truncToUint8((x[xo + 16 + j] - min) * id + 0.5f);
                y[yo + 8 + j] = (byte) ((xi0 & 0x0F) | ((xi1 & 0x0F) << 4));
                qh |= ((xi0 & 0x10) >>> 4) << j;
                qh |= ((xi1 & 0x10) >>> 4) << (j + 16);
            }
            putInt(y, yo + 4, qh);
        }

        @Override
        void dequantizeBlock(byte[] b, int bo, float[] y, int yo) {
            float d = Half.getFloat(b, bo);
            float m = Half.getFloat(b, bo + 2);
            int qh = getInt(b, bo + 4);
            for (int j = 0; j < 16; j++) {
                int xh0 = ((qh >>> j) << 4) & 0x10;
                int xh1 = (qh >>> (j + 12)) & 0x10;
                int q = b[bo + 8 + j] & 0xFF;
                y[yo + j] = ((q & 0x0F) | xh0) * d + m;
                y[yo + j + 16] = ((q >> 4) | xh1) * d + m;
            }
        }
    }

    static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >> 8);
        b[off + 2] = (byte) (v >> 16);
        b[off + 3] = (byte) (v >> 24);
    }

    static int getInt(byte[] b, int off) {
        return (b[off] & 0xFF) | (b[off + 1] & 0xFF) << 8 | (b[off + 2] & 0xFF) << 16 | (b[off + 3] & 0xFF) << 24;
    }
}
