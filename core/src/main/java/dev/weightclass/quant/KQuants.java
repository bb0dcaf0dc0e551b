package dev.weightclass.quant;

import dev.weightclass.tensor.TensorType;

import static dev.weightclass.quant.Ggml.*;
import static dev.weightclass.quant.KQuantMath.*;

/**
 * The 256-element super-block types (Q2_K .. Q6_K, Q8_K): scalar ports of ggml's
 * quantize_row_*_ref (llama-quantize's path without an importance matrix) and dequantize_row_*.
 * Each class documents its block layout as byte offsets.
 */
final class KQuants {
    private KQuants() {}

    static final int QK_K = 256;

    /** Q2_K: scales[16] @0 (low nibble scale, high nibble min), qs[64] @16, d @80, dmin @82. */
    static final class Q2_K extends BlockQuantizer {
        Q2_K() { super(TensorType.Q2_K); }

        @Override
        void quantizeBlock(float[] x, int xo, byte[] y, int yo) {
            byte[] L = new byte[QK_K];
            byte[] Laux = new byte[16];
            float[] weights = new float[16];
            float[] mins = new float[QK_K / 16];
            float[] scales = new float[QK_K / 16];
            float[] theMin = new float[1];
            final float q4scale = 15.f;

            float maxScale = 0, maxMin = 0;
            for (int j = 0; j < QK_K / 16; j++) {
                for (int l = 0; l < 16; l++) weights[l] = Math.abs(x[xo + 16 * j + l]);
                scales[j] = makeQkx2Quants(16, 3, x, xo + 16 * j, weights, L, 16 * j, theMin, Laux,
                        -0.5f, 0.1f, 15, true);
                mins[j] = theMin[0];
                if (scales[j] > maxScale) maxScale = scales[j];
                if (mins[j] > maxMin) maxMin = mins[j];
            }
            int sc = yo, qs = yo + 16;
            if (maxScale > 0) {
                float iscale = q4scale / maxScale;
                for (int j = 0; j < QK_K / 16; j++) y[sc + j] = (byte) nearestInt(iscale * scales[j]);
                Half.putFloat(y, yo + 80, maxScale / q4scale);
            } else {
                for (int j = 0; j < QK_K / 16; j++) y[sc + j] = 0;
                Half.putFloat(y, yo + 80, 0.f);
            }
            if (maxMin > 0) {
                float iscale = q4scale / maxMin;
                for (int j = 0; j < QK_K / 16; j++) {
                    int l = nearestInt(iscale * mins[j]);
                    y[sc + j] = (byte) (y[sc + j] | (l << 4));
                }
                Half.putFloat(y, yo + 82, maxMin / q4scale);
            } else {
                Half.putFloat(y, yo + 82, 0.f);
            }
            float dAll = Half.getFloat(y, yo + 80), mAll = Half.getFloat(y, yo + 82);
            for (int j = 0; j < QK_K / 16; j++) {
                int s = y[sc + j] & 0xFF;
                float d = dAll * (s & 0xF);
                if (d == 0) continue;
                float dm = mAll * (s >> 4);
                for (int ii = 0; ii < 16; ii++) {
                    int l = nearestInt((x[xo + 16 * j + ii] + dm) / d);
                    L[16 * j + ii] = (byte) maxI(0, minI(3, l));
                }
            }
            for (int j = 0; j < QK_K; j += 128) {
                for (int l = 0; l < 32; l++) {
                    y[qs + j / 4 + l] = (byte) (L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) | (L[j + l + 96] << 6));
                }
            }
        }

        @Override
        void dequantizeBlock(byte[] b, int bo, float[] y, int yo) {
            float d = Half.getFloat(b, bo + 80);
            float min = Half.getFloat(b, bo + 82);
            int q = bo + 16, is = 0, out = yo;
            for (int n = 0; n < QK_K; n += 128) {
                int shift = 0;
                for (int j = 0; j < 4; j++) {
                    int sc = b[bo + is++] & 0xFF;
                    float dl = d * (sc & 0xF), ml = min * (sc >> 4);
                    for (int l = 0; l < 16; l++) y[out++] = dl * (((b[q + l] & 0xFF) >> shift) & 3) - ml;
                    sc = b[bo + is++] & 0xFF;
                    dl = d * (sc & 0xF);
                    ml = min * (sc >> 4);
                    for (int l = 0; l < 16; l++) y[out++] = dl * (((b[q + l + 16] & 0xFF) >> shift) & 3) - ml;
                    shift += 2;
                }
                q += 32;
            }
        }
    }

    /** Q3_K: hmask[32] @0, qs[64] @32, scales[12] @96 (6-bit, offset 32), d @108. */
    static final class Q3_K extends BlockQuantizer {
        Q3_K() { super(TensorType.Q3_K); }

        @Override
        void quantizeBlock(float[] x, int xo, byte[] y, int yo) {
            byte[] L = new byte[QK_K];
            float[] scales = new float[QK_K / 16];
            int hm = yo, qs = yo + 32, sc = yo + 96;

            float maxScale = 0, amax = 0;
            for (int j = 0; j < QK_K / 16; j++) {
                scales[j] = makeQ3Quants(16, 4, x, xo + 16 * j, L, 16 * j, true);
                float scale = Math.abs(scales[j]);
                if (scale > amax) { amax = scale; maxScale = scales[j]; }
            }
            for (int j = 0; j < 12; j++) y[sc + j] = 0;
            if (maxScale != 0) {
                float iscale = -32.f / maxScale;
                for (int j = 0; j < QK_K / 16; j++) {
                    int l = toInt8(nearestInt(iscale * scales[j]));
                    l = toInt8(maxI(-32, minI(31, l)) + 32);
                    if (j < 8) y[sc + j] = (byte) (l & 0xF);
                    else y[sc + j - 8] = (byte) (y[sc + j - 8] | ((l & 0xF) << 4));
                    l >>= 4;
                    y[sc + j % 4 + 8] = (byte) (y[sc + j % 4 + 8] | (l << (2 * (j / 4))));
                }
                Half.putFloat(y, yo + 108, 1 / iscale);
            } else {
                Half.putFloat(y, yo + 108, 0.f);
            }
            float dAll = Half.getFloat(y, yo + 108);
            for (int j = 0; j < QK_K / 16; j++) {
                int s = j < 8 ? y[sc + j] & 0xF : (y[sc + j - 8] & 0xFF) >> 4;
                s = toInt8((s | ((((y[sc + 8 + j % 4] & 0xFF) >> (2 * (j / 4))) & 3) << 4)) - 32);
                float d = dAll * s;
                if (d == 0) continue;
                for (int ii = 0; ii < 16; ii++) {
                    int l = nearestInt(x[xo + 16 * j + ii] / d);
                    l = maxI(-4, minI(3, l));
                    L[16 * j + ii] = (byte) (l + 4);
                }
            }
            for (int j = 0; j < QK_K / 8; j++) y[hm + j] = 0;
            int m = 0, hbit = 1;
            for (int j = 0; j < QK_K; j++) {
                if (L[j] > 3) {
                    y[hm + m] = (byte) (y[hm + m] | hbit);
                    L[j] -= 4;
                }
                if (++m == QK_K / 8) { m = 0; hbit <<= 1; }
            }
            for (int j = 0; j < QK_K; j += 128) {
                for (int l = 0; l < 32; l++) {
                    y[qs + j / 4 + l] = (byte) (L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) | (L[j + l + 96] << 6));
                }
            }
        }

        /** The 16 signed 6-bit scales of a block. */
        static void unpackScales(byte[] b, int sc, int[] out) {
            for (int j = 0; j < 16; j++) {
                int lo = j < 8 ? b[sc + j] & 0xF : (b[sc + j - 8] & 0xFF) >> 4;
                int hi = ((b[sc + 8 + j % 4] & 0xFF) >> (2 * (j / 4))) & 3;
                out[j] = (lo | (hi << 4)) - 32;
            }
        }

        @Override
        void dequantizeBlock(byte[] b, int bo, float[] y, int yo) {
            float dAll = Half.getFloat(b, bo + 108);
            int[] scales = new int[16];
            unpackScales(b, bo + 96, scales);
            int q = bo + 32, hm = bo, out = yo, is = 0, m = 1;
            for (int n = 0; n < QK_K; n += 128) {
                int shift = 0;
                for (int j = 0; j < 4; j++) {
                    float dl = dAll * scales[is++];
                    for (int l = 0; l < 16; l++) {
                        y[out++] = dl * ((((b[q + l] & 0xFF) >> shift) & 3) - ((b[hm + l] & m) != 0 ? 0 : 4));
                    }
                    dl = dAll * scales[is++];
                    for (int l = 0; l < 16; l++) {
                        y[out++] = dl * ((((b[q + l + 16] & 0xFF) >> shift) & 3) - ((b[hm + l + 16] & m) != 0 ? 0 : 4));
                    }
                    shift += 2;
                    m <<= 1;
                }
                q += 32;
            }
        }
    }

    /** Packs 8 six-bit scales and mins into Q4_K/Q5_K's 12 bytes at {@code sc}. */
    static void packScalesK4(byte[] y, int sc, int j, int ls, int lm) {
        if (j < 4) {
            y[sc + j] = (byte) ls;
            y[sc + j + 4] = (byte) lm;
        } else {
            y[sc + j + 4] = (byte) ((ls & 0xF) | ((lm & 0xF) << 4));
            y[sc + j - 4] = (byte) (y[sc + j - 4] | ((ls >> 4) << 6));
            y[sc + j] = (byte) (y[sc + j] | ((lm >> 4) << 6));
        }
    }

    /**
     * The part Q4_K and Q5_K share: per-32 asymmetric fits, 6-bit scales and mins, then the
     * final levels against the stored (fp16-rounded) scales. Fills L (levels 0..nmax).
     */
    static void quantizeK4Scales(float[] x, int xo, byte[] y, int yo, byte[] L, int nmax,
                                 float rmin, float rdelta, int nstep, KQuantMath.Qkx2Trials trials) {
        float[] weights = new float[32];
        float[] mins = new float[QK_K / 32];
        float[] scales = new float[QK_K / 32];
        float[] theMin = new float[1];
        int sc = yo + 4;

        float maxScale = 0, maxMin = 0;
        for (int j = 0; j < QK_K / 32; j++) {
            float sumX2 = 0;
            for (int l = 0; l < 32; l++) sumX2 += x[xo + 32 * j + l] * x[xo + 32 * j + l];
            float avX = (float) Math.sqrt(sumX2 / 32);
            for (int l = 0; l < 32; l++) weights[l] = avX + Math.abs(x[xo + 32 * j + l]);
            scales[j] = makeQkx2Quants(32, nmax, x, xo + 32 * j, weights, L, 32 * j, theMin,
                    rmin, rdelta, nstep, false, trials);
            mins[j] = theMin[0];
            if (scales[j] > maxScale) maxScale = scales[j];
            if (mins[j] > maxMin) maxMin = mins[j];
        }
        float invScale = maxScale > 0 ? 63.f / maxScale : 0.f;
        float invMin = maxMin > 0 ? 63.f / maxMin : 0.f;
        for (int j = 0; j < QK_K / 32; j++) {
            int ls = minI(63, nearestInt(invScale * scales[j]) & 0xFF);
            int lm = minI(63, nearestInt(invMin * mins[j]) & 0xFF);
            packScalesK4(y, sc, j, ls, lm);
        }
        Half.putFloat(y, yo, maxScale / 63.f);
        Half.putFloat(y, yo + 2, maxMin / 63.f);

        float dAll = Half.getFloat(y, yo), mAll = Half.getFloat(y, yo + 2);
        for (int j = 0; j < QK_K / 32; j++) {
            float d = dAll * scaleK4(j, y, sc);
            if (d == 0) continue;
            float dm = mAll * minK4(j, y, sc);
            for (int ii = 0; ii < 32; ii++) {
                int l = nearestInt((x[xo + 32 * j + ii] + dm) / d);
                L[32 * j + ii] = (byte) maxI(0, minI(nmax, l));
            }
        }
    }

    /** Q4_K: d @0, dmin @2, scales[12] @4, qs[128] @16. */
    static final class Q4_K extends BlockQuantizer {
        private final KQuantMath.Qkx2Trials trials;

        Q4_K() { this(KQuantMath.SCALAR_QKX2); }

        /** @param trials how the scale search fits its trials (the reference's loop, or {@link VectorQuants#QKX2}) */
        Q4_K(KQuantMath.Qkx2Trials trials) {
            super(TensorType.Q4_K);
            this.trials = trials;
        }

        @Override
        void quantizeBlock(float[] x, int xo, byte[] y, int yo) {
            byte[] L = new byte[QK_K];
            quantizeK4Scales(x, xo, y, yo, L, 15, -1.f, 0.1f, 20, trials);
            int q = yo + 16;
            for (int j = 0; j < QK_K; j += 64) {
                for (int l = 0; l < 32; l++) y[q + l] = (byte) (L[j + l] | (L[j + l + 32] << 4));
                q += 32;
            }
        }

        @Override
        void dequantizeBlock(byte[] b, int bo, float[] y, int yo) {
            float d = Half.getFloat(b, bo), min = Half.getFloat(b, bo + 2);
            int q = bo + 16, is = 0, out = yo;
            for (int j = 0; j < QK_K; j += 64) {
                float d1 = d * scaleK4(is, b, bo + 4), m1 = min * minK4(is, b, bo + 4);
                float d2 = d * scaleK4(is + 1, b, bo + 4), m2 = min * minK4(is + 1, b, bo + 4);
                for (int l = 0; l < 32; l++) y[out++] = d1 * (b[q + l] & 0xF) - m1;
                for (int l = 0; l < 32; l++) y[out++] = d2 * ((b[q + l] & 0xFF) >> 4) - m2;
                q += 32;
                is += 2;
            }
        }
    }

    /** Q5_K: d @0, dmin @2, scales[12] @4, qh[32] @16, qs[128] @48. */
    static final class Q5_K extends BlockQuantizer {
        private final KQuantMath.Qkx2Trials trials;

        Q5_K() { this(KQuantMath.SCALAR_QKX2); }

        Q5_K(KQuantMath.Qkx2Trials trials) {
            super(TensorType.Q5_K);
            this.trials = trials;
        }

        @Override
        void quantizeBlock(float[] x, int xo, byte[] y, int yo) {
            byte[] L = new byte[QK_K];
            quantizeK4Scales(x, xo, y, yo, L, 31, -0.5f, 0.1f, 15, trials);
            int qh = yo + 16, ql = yo + 48;
            for (int j = 0; j < QK_K / 8; j++) y[qh + j] = 0;
            int m1 = 1, m2 = 2;
            for (int n = 0; n < QK_K; n += 64) {
                for (int j = 0; j < 32; j++) {
                    int l1 = L[n + j];
                    if (l1 > 15) { l1 -= 16; y[qh + j] = (byte) (y[qh + j] | m1); }
                    int l2 = L[n + j + 32];
                    if (l2 > 15) { l2 -= 16; y[qh + j] = (byte) (y[qh + j] | m2); }
                    y[ql + j] = (byte) (l1 | (l2 << 4));
                }
                m1 <<= 2;
                m2 <<= 2;
                ql += 32;
            }
        }

        @Override
        void dequantizeBlock(byte[] b, int bo, float[] y, int yo) {
            float d = Half.getFloat(b, bo), min = Half.getFloat(b, bo + 2);
            int ql = bo + 48, qh = bo + 16, is = 0, out = yo, u1 = 1, u2 = 2;
            for (int j = 0; j < QK_K; j += 64) {
                float d1 = d * scaleK4(is, b, bo + 4), m1 = min * minK4(is, b, bo + 4);
                float d2 = d * scaleK4(is + 1, b, bo + 4), m2 = min * minK4(is + 1, b, bo + 4);
                for (int l = 0; l < 32; l++) y[out++] = d1 * ((b[ql + l] & 0xF) + ((b[qh + l] & u1) != 0 ? 16 : 0)) - m1;
                for (int l = 0; l < 32; l++) y[out++] = d2 * (((b[ql + l] & 0xFF) >> 4) + ((b[qh + l] & u2) != 0 ? 16 : 0)) - m2;
                ql += 32;
                is += 2;
                u1 <<= 2;
                u2 <<= 2;
            }
        }
    }

    /** Q6_K: ql[128] @0, qh[64] @128, scales[16] (int8) @192, d @208. */
    static final class Q6_K extends BlockQuantizer {
        Q6_K() { this(KQuantMath::trialSums); }

        /** Per-thread scratch of one row: allocated once per row, not per block. */
        private static final class Work {
            final byte[] L = new byte[QK_K];
            final float[] scales = new float[QK_K / 16];
            final KQuantMath.QxScratch qx;

            Work(KQuantMath.TrialSums sums) { qx = new KQuantMath.QxScratch(16, sums); }
        }

        private final KQuantMath.TrialSums sums;

        /** @param sums how the scale search sums its trials (scalar, or {@link VectorQuants#trialSums}) */
        Q6_K(KQuantMath.TrialSums sums) {
            super(TensorType.Q6_K);
            this.sums = sums;
        }

        @Override
        public void quantize(float[] x, int xOff, int n, byte[] out, int outOff) {
            int nb = blocks(n);
            Work w = new Work(sums);
            for (int i = 0; i < nb; i++) quantizeBlock(x, xOff + i * qk, out, outOff + i * blockBytes, w);
        }

        @Override
        void quantizeBlock(float[] x, int xo, byte[] y, int yo) { quantizeBlock(x, xo, y, yo, new Work(sums)); }

        private void quantizeBlock(float[] x, int xo, byte[] y, int yo, Work work) {
            byte[] L = work.L;
            float[] scales = work.scales;
            float maxScale = 0, maxAbsScale = 0;
            for (int ib = 0; ib < QK_K / 16; ib++) {
                float scale = makeQxQuants(16, 32, x, xo + 16 * ib, L, 16 * ib, 1, null, 0, work.qx);
                scales[ib] = scale;
                float abs = Math.abs(scale);
                if (abs > maxAbsScale) { maxAbsScale = abs; maxScale = scale; }
            }
            if (maxAbsScale < GROUP_MAX_EPS) {
                for (int j = 0; j < blockBytes; j++) y[yo + j] = 0;
                Half.putFloat(y, yo + 208, 0.f);
                return;
            }
            float iscale = -128.f / maxScale;
            Half.putFloat(y, yo + 208, 1 / iscale);
            for (int ib = 0; ib < QK_K / 16; ib++) {
                y[yo + 192 + ib] = (byte) minI(127, nearestInt(iscale * scales[ib]));
            }
            float dAll = Half.getFloat(y, yo + 208);
            for (int j = 0; j < QK_K / 16; j++) {
                float d = dAll * y[yo + 192 + j];
                if (d == 0) continue;
                for (int ii = 0; ii < 16; ii++) {
                    int l = nearestInt(x[xo + 16 * j + ii] / d);
                    l = maxI(-32, minI(31, l));
                    L[16 * j + ii] = (byte) (l + 32);
                }
            }
            int ql = yo, qh = yo + 128;
            for (int j = 0; j < QK_K; j += 128) {
                for (int l = 0; l < 32; l++) {
                    int q1 = L[j + l] & 0xF, q2 = L[j + l + 32] & 0xF;
                    int q3 = L[j + l + 64] & 0xF, q4 = L[j + l + 96] & 0xF;
                    y[ql + l] = (byte) (q1 | (q3 << 4));
                    y[ql + l + 32] = (byte) (q2 | (q4 << 4));
                    y[qh + l] = (byte) ((L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2)
                            | ((L[j + l + 64] >> 4) << 4) | ((L[j + l + 96] >> 4) << 6));
                }
                ql += 64;
                qh += 32;
            }
        }

        @Override
        void dequantizeBlock(byte[] b, int bo, float[] y, int yo) {
            float d = Half.getFloat(b, bo + 208);
            int ql = bo, qh = bo + 128, sc = bo + 192, out = yo;
            for (int n = 0; n < QK_K; n += 128) {
                for (int l = 0; l < 32; l++) {
                    int is = l / 16;
                    int h = b[qh + l] & 0xFF;
                    int q1 = ((b[ql + l] & 0xF) | (((h >> 0) & 3) << 4)) - 32;
                    int q2 = ((b[ql + l + 32] & 0xF) | (((h >> 2) & 3) << 4)) - 32;
                    int q3 = (((b[ql + l] & 0xFF) >> 4) | (((h >> 4) & 3) << 4)) - 32;
                    int q4 = (((b[ql + l + 32] & 0xFF) >> 4) | (((h >> 6) & 3) << 4)) - 32;
                    y[out + l] = d * b[sc + is] * q1;
                    y[out + l + 32] = d * b[sc + is + 2] * q2;
                    y[out + l + 64] = d * b[sc + is + 4] * q3;
                    y[out + l + 96] = d * b[sc + is + 6] * q4;
                }
                out += 128;
                ql += 64;
                qh += 32;
                sc += 8;
            }
        }
    }

    /** Q8_K: float d @0, qs[256] (int8) @4, bsums[16] (int16) @260. Activation format of k-quant dots. */
    static final class Q8_K extends BlockQuantizer {
        Q8_K() { super(TensorType.Q8_K); }

        @Override
        void quantizeBlock(float[] x, int xo, byte[] y, int yo) {
            float max = 0, amax = 0;
            for (int j = 0; j < QK_K; j++) {
                float ax = Math.abs(x[xo + j]);
                if (ax > amax) { amax = ax; max = x[xo + j]; }
            }
            if (amax == 0) {
                for (int j = 0; j < blockBytes; j++) y[yo + j] = 0;
                return;
            }
            float iscale = -127.f / max;
            for (int j = 0; j < QK_K; j++) y[yo + 4 + j] = (byte) minI(127, nearestInt(iscale * x[xo + j]));
            for (int j = 0; j < QK_K / 16; j++) {
                int sum = 0;
                for (int ii = 0; ii < 16; ii++) sum += y[yo + 4 + j * 16 + ii];
                y[yo + 260 + 2 * j] = (byte) sum;
                y[yo + 261 + 2 * j] = (byte) (sum >> 8);
            }
            LegacyQuants.putInt(y, yo, Float.floatToRawIntBits(1 / iscale));
        }

        @Override
        void dequantizeBlock(byte[] b, int bo, float[] y, int yo) {
            float d = Float.intBitsToFloat(LegacyQuants.getInt(b, bo));
            for (int j = 0; j < QK_K; j++) y[yo + j] = d * b[bo + 4 + j];
        }
    }
}
