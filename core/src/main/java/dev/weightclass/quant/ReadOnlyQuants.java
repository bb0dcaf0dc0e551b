package dev.weightclass.quant;

import dev.weightclass.tensor.TensorType;

/**
 * Types this library reads but does not write: the ternary TQ1_0/TQ2_0 and MXFP4.
 * Ports of ggml's dequantize_row_* for each.
 */
final class ReadOnlyQuants {
    private ReadOnlyQuants() {}

    abstract static class DequantizeOnly extends BlockQuantizer {
        DequantizeOnly(TensorType type) { super(type); }

        @Override
        public boolean canQuantize() { return false; }

        @Override
        void quantizeBlock(float[] x, int xo, byte[] y, int yo) {
            throw new UnsupportedOperationException(type() + " can only be read");
        }
    }

    /** TQ1_0: qs[48] @0 (5 trits per byte), qh[4] @48 (4 trits per byte), fp16 d @52. */
    static final class TQ1_0 extends DequantizeOnly {
        private static final int[] POW3 = {1, 3, 9, 27, 81, 243};

        TQ1_0() { super(TensorType.TQ1_0); }

        private static float trit(int b, int n, float d) {
            int q = (b * POW3[n]) & 0xFF;
            int xi = (q * 3) >> 8;
            return (xi - 1) * d;
        }

        @Override
        void dequantizeBlock(byte[] b, int bo, float[] y, int yo) {
            float d = Half.getFloat(b, bo + 52);
            int out = yo;
            for (int n = 0; n < 5; n++) for (int m = 0; m < 32; m++) y[out++] = trit(b[bo + m] & 0xFF, n, d);
            for (int n = 0; n < 5; n++) for (int m = 0; m < 16; m++) y[out++] = trit(b[bo + 32 + m] & 0xFF, n, d);
            for (int n = 0; n < 4; n++) for (int j = 0; j < 4; j++) y[out++] = trit(b[bo + 48 + j] & 0xFF, n, d);
        }
    }

    /** TQ2_0: qs[64] @0 (4 x 2-bit per byte, value - 1), fp16 d @64. */
    static final class TQ2_0 extends DequantizeOnly {
        TQ2_0() { super(TensorType.TQ2_0); }

        @Override
        void dequantizeBlock(byte[] b, int bo, float[] y, int yo) {
            float d = Half.getFloat(b, bo + 64);
            int out = yo;
            for (int j = 0; j < 64; j += 32) {
                for (int l = 0; l < 4; l++) {
                    for (int m = 0; m < 32; m++) y[out++] = ((((b[bo + j + m] & 0xFF) >> (2 * l)) & 3) - 1) * d;
                }
            }
        }
    }

    /** MXFP4: e8m0 exponent @0, qs[16] @1 of E2M1 values (stored doubled, hence the half scale). */
    static final class MXFP4 extends DequantizeOnly {
        static final byte[] KVALUES = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};

        MXFP4() { super(TensorType.MXFP4); }

        static float e8m0Half(int e) {
            int bits = e < 2 ? 0x00200000 << e : (e - 1) << 23;
            return Float.intBitsToFloat(bits);
        }

        @Override
        void dequantizeBlock(byte[] b, int bo, float[] y, int yo) {
            float d = e8m0Half(b[bo] & 0xFF);
            for (int j = 0; j < 16; j++) {
                int q = b[bo + 1 + j] & 0xFF;
                y[yo + j] = KVALUES[q & 0xF] * d;
                y[yo + j + 16] = KVALUES[q >> 4] * d;
            }
        }
    }
}
