package dev.weightclass.quant;

import dev.weightclass.tensor.TensorType;

import static dev.weightclass.quant.Ggml.*;

/**
 * IQ4_NL and IQ4_XS: 4-bit indices into a fixed non-linear table of 16 levels. Ports of
 * quantize_row_iq4_nl_impl as llama-quantize calls it (quantize_iq4_nl / quantize_iq4_xs,
 * 7 scale trials each way, no importance matrix).
 */
final class NonLinearQuants {
    private NonLinearQuants() {}

    static final byte[] KVALUES_IQ4NL = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
    private static final int NTRY = 7;

    /** Level whose midpoints bracket x: the count of midpoints at or below x (n a power of 2). */
    static int bestIndex(int n, byte[] val, float x) {
        float x2 = x + x;
        int idx = 0;
        for (int step = n >> 1; step > 0; step >>= 1) {
            int j = idx + step;
            idx = (x2 >= (float) (val[j - 1] + val[j])) ? j : idx;
        }
        return idx;
    }

    /**
     * Best scale for one block of 32 with x^2 weights: start from max/-127 and try 2*ntry+1
     * neighbouring scales. Fills L with the levels of the first (starting) scale.
     */
    static float blockScale(float[] x, int xo, byte[] L, int lo, float[] weight) {
        for (int j = 0; j < 32; j++) weight[j] = x[xo + j] * x[xo + j];
        float amax = 0, max = 0;
        for (int j = 0; j < 32; j++) {
            float ax = Math.abs(x[xo + j]);
            if (ax > amax) { amax = ax; max = x[xo + j]; }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int j = 0; j < 32; j++) L[lo + j] = 0;
            return 0;
        }
        byte[] values = KVALUES_IQ4NL;
        float d = -max / values[0];
        float id = 1 / d;
        float sumqx = 0, sumq2 = 0;
        for (int j = 0; j < 32; j++) {
            float al = id * x[xo + j];
            int l = bestIndex(16, values, al);
            L[lo + j] = (byte) l;
            float q = values[l];
            float w = weight[j];
            sumqx += w * q * x[xo + j];
            sumq2 += w * q * q;
        }
        d = sumq2 > 0 ? sumqx / sumq2 : 0.f;
        float best = d * sumqx;
        for (int itry = -NTRY; itry <= NTRY; itry++) {
            id = (itry + values[0]) / max;
            sumqx = sumq2 = 0;
            for (int j = 0; j < 32; j++) {
                float al = id * x[xo + j];
                int l = bestIndex(16, values, al);
                float q = values[l];
                float w = weight[j];
                sumqx += w * q * x[xo + j];
                sumq2 += w * q * q;
            }
            if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
                d = sumqx / sumq2;
                best = d * sumqx;
            }
        }
        return d;
    }

    /** IQ4_NL: fp16 d @0, qs[16] @2 (element j low nibble, j+16 high nibble). */
    static final class IQ4_NL extends BlockQuantizer {
        IQ4_NL() { super(TensorType.IQ4_NL); }

        @Override
        void quantizeBlock(float[] x, int xo, byte[] y, int yo) {
            byte[] L = new byte[32];
            float scale = blockScale(x, xo, L, 0, new float[32]);
            Half.putFloat(y, yo, scale);
            float id = scale != 0 ? 1 / scale : 0;
            for (int j = 0; j < 32; j++) L[j] = (byte) bestIndex(16, KVALUES_IQ4NL, id * x[xo + j]);
            for (int j = 0; j < 16; j++) y[yo + 2 + j] = (byte) (L[j] | (L[16 + j] << 4));
        }

        @Override
        void dequantizeBlock(byte[] b, int bo, float[] y, int yo) {
            float d = Half.getFloat(b, bo);
            for (int j = 0; j < 16; j++) {
                int q = b[bo + 2 + j] & 0xFF;
                y[yo + j] = d * KVALUES_IQ4NL[q & 0xF];
                y[yo + j + 16] = d * KVALUES_IQ4NL[q >> 4];
            }
        }
    }

    /** IQ4_XS: fp16 d @0, scales_h (u16) @2, scales_l[4] @4, qs[128] @8; 6-bit scale per 32. */
    static final class IQ4_XS extends BlockQuantizer {
        IQ4_XS() { super(TensorType.IQ4_XS); }

        @Override
        void quantizeBlock(float[] x, int xo, byte[] y, int yo) {
            byte[] L = new byte[256];
            float[] scales = new float[8];
            float[] weight = new float[32];
            float maxScale = 0, amaxScale = 0;
            for (int ib = 0; ib < 8; ib++) {
                float d = blockScale(x, xo + 32 * ib, L, 32 * ib, weight);
                scales[ib] = d;
                float absD = Math.abs(d);
                if (absD > amaxScale) { amaxScale = absD; maxScale = d; }
            }
            int scalesH = 0;
            float d = -maxScale / 32;
            Half.putFloat(y, yo, d);
            float id = d != 0 ? 1 / d : 0.f;
            for (int ib = 0; ib < 8; ib++) {
                int l = nearestInt(id * scales[ib]);
                l = maxI(-32, minI(31, l));
                float dl = d * l;
                float idl = dl != 0 ? 1 / dl : 0.f;
                for (int j = 0; j < 32; j++) L[32 * ib + j] = (byte) bestIndex(16, KVALUES_IQ4NL, idl * x[xo + 32 * ib + j]);
                l += 32;
                int lLow = l & 0xF, lHigh = (l >> 4) & 0xFF;
                if (ib % 2 == 0) y[yo + 4 + ib / 2] = (byte) lLow;
                else y[yo + 4 + ib / 2] = (byte) (y[yo + 4 + ib / 2] | (lLow << 4));
                scalesH |= lHigh << (2 * ib);
            }
            y[yo + 2] = (byte) scalesH;
            y[yo + 3] = (byte) (scalesH >> 8);
            for (int i = 0; i < 8; i++) {
                for (int j = 0; j < 16; j++) y[yo + 8 + 16 * i + j] = (byte) (L[32 * i + j] | (L[32 * i + 16 + j] << 4));
            }
        }

        @Override
        void dequantizeBlock(byte[] b, int bo, float[] y, int yo) {
            float d = Half.getFloat(b, bo);
            int scalesH = (b[bo + 2] & 0xFF) | (b[bo + 3] & 0xFF) << 8;
            int qs = bo + 8, out = yo;
            for (int ib = 0; ib < 8; ib++) {
                int ls = (((b[bo + 4 + ib / 2] & 0xFF) >> (4 * (ib % 2))) & 0xF) | (((scalesH >> (2 * ib)) & 3) << 4);
                float dl = d * (ls - 32);
                for (int j = 0; j < 16; j++) {
                    int q = b[qs + j] & 0xFF;
                    y[out + j] = dl * KVALUES_IQ4NL[q & 0xF];
                    y[out + j + 16] = dl * KVALUES_IQ4NL[q >> 4];
                }
                out += 32;
                qs += 16;
            }
        }
    }
}
