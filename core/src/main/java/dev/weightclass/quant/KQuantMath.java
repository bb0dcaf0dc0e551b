package dev.weightclass.quant;

import static dev.weightclass.quant.Ggml.*;

/**
 * The scale searches shared by the k-quants (ggml-quants.c: make_qx_quants, make_q3_quants,
 * make_qkx2_quants), in float arithmetic and summation order as the reference.
 */
final class KQuantMath {
    private KQuantMath() {}

    /** Weight of element {@code v} for the error measure {@code rmseType} (when no weights given). */
    private static float weight(float[] qw, int qo, int i, int rmseType, float v) {
        if (qw != null) return qw[qo + i];
        return switch (rmseType) {
            case 1 -> v * v;
            case 2 -> 1;
            case 3 -> Math.abs(v);
            default -> (float) Math.sqrt(Math.abs(v));
        };
    }

    /** The first fit ({@code -nmax / max}) and the 18 trial scales {@code -(nmax + 0.1 is) / max}, is = -9..9 without 0. */
    private static final int TRIALS = 19;
    /** Trials whose sums are accumulated side by side: independent add chains the CPU overlaps. */
    private static final int GROUP = 4;

    /**
     * First {@code iscale[t] = num[t] / max}, then the sums {@code sumlx[t] = sum_i wx[i] l_t(i)}
     * and {@code suml2[t] = sum_i (w[i] l_t(i)) l_t(i)} with
     * {@code l_t(i) = clamp(nearest_int(iscale[t] x[i]), -nmax, nmax - 1)}, each sum over i in
     * order, for trials {@code t < trials} (arrays are padded to a multiple of 16 trials).
     */
    @FunctionalInterface
    interface TrialSums {
        void sums(int n, int nmax, float[] x, int xo, float[] w, float[] wx, float[] num, float max,
                  float[] iscale, float[] sumlx, float[] suml2, int trials);
    }

    /** Scratch arrays of {@link #makeQxQuants}, reused across calls on one thread. */
    static final class QxScratch {
        final float[] w, wx;
        final float[] iscale = new float[32], sumlx = new float[32], suml2 = new float[32];
        /** The trial scales' numerators {@code -(nmax + 0.1 is)} for {@link #numFor}: they do not depend on the values. */
        final float[] num = new float[32];
        int numFor = Integer.MIN_VALUE;
        final TrialSums sums;

        QxScratch(int n, TrialSums sums) {
            w = new float[n];
            wx = new float[n];
            this.sums = sums;
        }
    }

    /** The scalar {@link TrialSums}: {@value #GROUP} trials per pass over the values. */
    static void trialSums(int n, int nmax, float[] x, int xo, float[] w, float[] wx, float[] num, float max,
                          float[] isc, float[] sumlx, float[] suml2, int trials) {
        for (int t = 0; t < isc.length; t++) isc[t] = num[t] / max;
        for (int t0 = 0; t0 < trials; t0 += GROUP) {
            float i0 = isc[t0], i1 = isc[t0 + 1], i2 = isc[t0 + 2], i3 = isc[t0 + 3];
            float x0 = 0, x1 = 0, x2 = 0, x3 = 0, q0 = 0, q1 = 0, q2 = 0, q3 = 0;
            for (int i = 0; i < n; i++) {
                float xi = x[xo + i], wi = w[i], ai = wx[i];
                int l0 = maxI(-nmax, minI(nmax - 1, nearestInt(i0 * xi)));
                int l1 = maxI(-nmax, minI(nmax - 1, nearestInt(i1 * xi)));
                int l2 = maxI(-nmax, minI(nmax - 1, nearestInt(i2 * xi)));
                int l3 = maxI(-nmax, minI(nmax - 1, nearestInt(i3 * xi)));
                x0 += ai * l0; q0 += wi * l0 * l0;
                x1 += ai * l1; q1 += wi * l1 * l1;
                x2 += ai * l2; q2 += wi * l2 * l2;
                x3 += ai * l3; q3 += wi * l3 * l3;
            }
            sumlx[t0] = x0; sumlx[t0 + 1] = x1; sumlx[t0 + 2] = x2; sumlx[t0 + 3] = x3;
            suml2[t0] = q0; suml2[t0 + 1] = q1; suml2[t0 + 2] = q2; suml2[t0 + 3] = q3;
        }
    }

    static float makeQxQuants(int n, int nmax, float[] x, int xo, byte[] L, int lo, int rmseType,
                              float[] qw, int qo) {
        return makeQxQuants(n, nmax, x, xo, L, lo, rmseType, qw, qo, new QxScratch(n, KQuantMath::trialSums));
    }

    /**
     * Symmetric quantization of {@code n} values to levels in [-nmax, nmax-1], stored shifted by
     * nmax in {@code L}; tries 18 scales around nmax/max and keeps the best weighted fit.
     * Returns the scale.
     * <p>The reference runs the trials one after another, each summing {@code w x l} and
     * {@code w l l} over the values in order, and re-derives L whenever a trial wins. Here the
     * sums of all trials are computed first, several trials per pass over the values (each sum
     * still in the reference's order and float operations, so bit for bit the same; see {@link TrialSums}),
     * then the trials are compared in the reference's order, and L is derived once from the
     * winner: the same bytes with one long dependency chain per trial instead of one for all.
     */
    static float makeQxQuants(int n, int nmax, float[] x, int xo, byte[] L, int lo, int rmseType,
                              float[] qw, int qo, QxScratch s) {
        float max = 0, amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[xo + i]);
            if (ax > amax) { amax = ax; max = x[xo + i]; }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) L[lo + i] = 0;
            return 0.f;
        }
        float iscale = -nmax / max;
        if (rmseType == 0) {
            fill(n, nmax, iscale, x, xo, L, lo);
            return 1 / iscale;
        }
        boolean returnEarly = false;
        if (rmseType < 0) { rmseType = -rmseType; returnEarly = true; }
        float[] w = s.w, wx = s.wx;
        for (int i = 0; i < n; i++) {
            float xi = x[xo + i];
            w[i] = weight(qw, qo, i, rmseType, xi);
            wx[i] = w[i] * xi; // the reference's w * x * l is (w * x) * l
        }
        float[] isc = s.iscale, sumlx = s.sumlx, suml2 = s.suml2;
        float[] num = s.num;
        if (s.numFor != nmax) {
            num[0] = -nmax; // the first fit's -nmax / max
            for (int t = 1, is = -9; t < TRIALS; is++) if (is != 0) num[t++] = -(nmax + 0.1f * is);
            for (int t = TRIALS; t < num.length; t++) num[t] = num[0]; // padding of the last group
            s.numFor = nmax;
        }
        int trials = returnEarly ? 1 : TRIALS;
        s.sums.sums(n, nmax, x, xo, w, wx, num, max, isc, sumlx, suml2, trials);
        float scale = suml2[0] != 0 ? sumlx[0] / suml2[0] : 0.0f;
        if (returnEarly) {
            fill(n, nmax, iscale, x, xo, L, lo);
            return suml2[0] > 0 ? 0.5f * (scale + 1 / iscale) : 1 / iscale;
        }
        float best = scale * sumlx[0];
        int winner = 0;
        for (int t = 1; t < TRIALS; t++) {
            if (suml2[t] > 0 && sumlx[t] * sumlx[t] > best * suml2[t]) {
                winner = t;
                scale = sumlx[t] / suml2[t];
                best = scale * sumlx[t];
            }
        }
        fill(n, nmax, isc[winner], x, xo, L, lo);
        return scale;
    }

    /** L = nmax + clamp(nearest_int(iscale * x), -nmax, nmax - 1). */
    private static void fill(int n, int nmax, float iscale, float[] x, int xo, byte[] L, int lo) {
        for (int i = 0; i < n; i++) {
            int l = nearestInt(iscale * x[xo + i]);
            L[lo + i] = (byte) (nmax + maxI(-nmax, minI(nmax - 1, l)));
        }
    }

    /** Q3_K's per-16 search: like makeQxQuants but refines levels one at a time (5 passes). */
    static float makeQ3Quants(int n, int nmax, float[] x, int xo, byte[] L, int lo, boolean doRmse) {
        float max = 0, amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[xo + i]);
            if (ax > amax) { amax = ax; max = x[xo + i]; }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) L[lo + i] = 0;
            return 0.f;
        }
        float iscale = -nmax / max;
        if (doRmse) {
            float sumlx = 0, suml2 = 0;
            for (int i = 0; i < n; i++) {
                float xi = x[xo + i];
                int l = nearestInt(iscale * xi);
                l = maxI(-nmax, minI(nmax - 1, l));
                L[lo + i] = (byte) l;
                float w = xi * xi;
                sumlx += w * xi * l;
                suml2 += w * l * l;
            }
            for (int itry = 0; itry < 5; itry++) {
                int nChanged = 0;
                for (int i = 0; i < n; i++) {
                    float xi = x[xo + i];
                    float w = xi * xi;
                    int li = L[lo + i];
                    float slx = sumlx - w * xi * li;
                    if (slx > 0) {
                        float sl2 = suml2 - w * li * li;
                        int newL = nearestInt(xi * sl2 / slx);
                        newL = maxI(-nmax, minI(nmax - 1, newL));
                        if (newL != li) {
                            slx += w * xi * newL;
                            sl2 += w * newL * newL;
                            if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
                                L[lo + i] = (byte) newL;
                                sumlx = slx;
                                suml2 = sl2;
                                nChanged++;
                            }
                        }
                    }
                }
                if (nChanged == 0) break;
            }
            for (int i = 0; i < n; i++) L[lo + i] = (byte) (L[lo + i] + nmax);
            return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
        }
        for (int i = 0; i < n; i++) {
            int l = nearestInt(iscale * x[xo + i]);
            l = maxI(-nmax, minI(nmax - 1, l));
            L[lo + i] = (byte) (l + nmax);
        }
        return 1 / iscale;
    }

    /**
     * Asymmetric quantization to levels [0, nmax] with a non-positive minimum, searching
     * {@code nstep+1} scales for the least weighted error. Returns the scale; {@code theMin[0]}
     * receives minus the minimum.
     */
    static float makeQkx2Quants(int n, int nmax, float[] x, int xo, float[] weights, byte[] L, int lo,
                                float[] theMin, byte[] Laux, float rmin, float rdelta, int nstep,
                                boolean useMad) {
        return makeQkx2Quants(n, nmax, x, xo, weights, L, lo, theMin, rmin, rdelta, nstep, useMad, SCALAR_QKX2);
    }

    /**
     * Fits of trials {@code t0 .. t0 + count - 1} of {@link #makeQkx2Quants}, all against the same
     * current min: for trial t, {@code iscale = s.num[t] / range}, levels
     * {@code l = clamp(nearest_int(iscale * s.xm[i]), 0, nmax)} with {@code xm[i] = x[i] - min}, the
     * least-squares scale and min (min clamped to 0 as the reference does) and the weighted error,
     * written to {@code s.d[k], s.scale[k], s.min[k], s.err[k]} for k = t - t0 (err only where d > 0).
     */
    @FunctionalInterface
    interface Qkx2Trials {
        int GROUP_MAX = 32;

        void fit(int n, int nmax, float[] x, int xo, float[] w, float range, float sumW, float sumX,
                 int t0, int count, boolean useMad, Qkx2Scratch s);

        /** Trials per call: 1 reproduces the reference's loop exactly; more fits trials side by side. */
        default int group() { return 1; }
    }

    /** The reference's trial, one at a time. */
    static final Qkx2Trials SCALAR_QKX2 = (n, nmax, x, xo, w, range, sumW, sumX, t0, count, useMad, s) -> {
        float[] xm = s.xm;
        byte[] laux = s.laux;
        for (int k = 0; k < count; k++) {
            float iscale = s.num[t0 + k] / range;
            float sumL = 0, sumL2 = 0, sumXl = 0;
            for (int i = 0; i < n; i++) {
                int l = maxI(0, minI(nmax, nearestInt(iscale * xm[i])));
                laux[i] = (byte) l;
                sumL += w[i] * l;
                sumL2 += w[i] * l * l;
                sumXl += w[i] * l * x[xo + i];
            }
            float D = sumW * sumL2 - sumL * sumL;
            s.d[k] = D;
            if (!(D > 0)) continue;
            float thisScale = (sumW * sumXl - sumX * sumL) / D;
            float thisMin = (sumL2 * sumX - sumL * sumXl) / D;
            if (thisMin > 0) {
                thisMin = 0;
                thisScale = sumXl / sumL2;
            }
            float curError = 0;
            for (int i = 0; i < n; i++) {
                float diff = thisScale * laux[i] + thisMin - x[xo + i];
                diff = useMad ? Math.abs(diff) : diff * diff;
                curError += w[i] * diff;
            }
            s.scale[k] = thisScale;
            s.min[k] = thisMin;
            s.err[k] = curError;
        }
    };

    /** Scratch of {@link #makeQkx2Quants}, one per thread. */
    static final class Qkx2Scratch {
        final float[] num = new float[64], xm = new float[Qkx2Trials.GROUP_MAX];
        final byte[] laux = new byte[Qkx2Trials.GROUP_MAX];
        final float[] d = new float[Qkx2Trials.GROUP_MAX], scale = new float[Qkx2Trials.GROUP_MAX];
        final float[] min = new float[Qkx2Trials.GROUP_MAX], err = new float[Qkx2Trials.GROUP_MAX];
    }

    private static final ThreadLocal<Qkx2Scratch> QKX2 = ThreadLocal.withInitial(Qkx2Scratch::new);

    /**
     * Asymmetric fit of {@code n <= 32} values to levels 0..nmax: ggml's make_qkx2_quants.
     * <p>The reference tries {@code nstep + 1} scales one after another, and a trial that wins
     * moves {@code min}, which the following trials then use. Trials are therefore fitted a group
     * at a time against the current min ({@link Qkx2Trials#group()} of them, side by side), compared
     * in the reference's order, and after a win the fitting restarts from the next trial with the
     * new min: every trial the reference computes is computed from the same inputs with the same
     * float operations, so the result is the same bit for bit. The levels are derived once, from
     * the last winner.
     */
    static float makeQkx2Quants(int n, int nmax, float[] x, int xo, float[] weights, byte[] L, int lo,
                                float[] theMin, float rmin, float rdelta, int nstep, boolean useMad,
                                Qkx2Trials trials) {
        float min = x[xo], max = x[xo];
        float sumW = weights[0];
        float sumX = sumW * x[xo];
        for (int i = 1; i < n; i++) {
            float xi = x[xo + i];
            if (xi < min) min = xi;
            if (xi > max) max = xi;
            float w = weights[i];
            sumW += w;
            sumX += w * xi;
        }
        if (min > 0) min = 0;
        if (max == min) {
            for (int i = 0; i < n; i++) L[lo + i] = 0;
            theMin[0] = -min;
            return 0.f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++) {
            int l = nearestInt(iscale * (x[xo + i] - min));
            int li = maxI(0, minI(nmax, l));
            L[lo + i] = (byte) li;
            float diff = scale * li + min - x[xo + i];
            diff = useMad ? Math.abs(diff) : diff * diff;
            bestError += weights[i] * diff;
        }
        if (nstep < 1) {
            theMin[0] = -min;
            return scale;
        }
        Qkx2Scratch s = QKX2.get();
        float[] num = s.num, xm = s.xm;
        for (int is = 0; is <= nstep; is++) num[is] = rmin + rdelta * is + nmax;
        int group = Math.min(trials.group(), Qkx2Trials.GROUP_MAX);
        float winIscale = 0, winMin = 0;
        boolean won = false;
        boolean minMoved = true;
        for (int t = 0; t <= nstep; ) {
            int count = Math.min(group, nstep + 1 - t);
            float range = max - min;
            if (minMoved) for (int i = 0; i < n; i++) xm[i] = x[xo + i] - min;
            minMoved = false;
            trials.fit(n, nmax, x, xo, weights, range, sumW, sumX, t, count, useMad, s);
            int next = t + count;
            for (int k = 0; k < count; k++) {
                if (s.d[k] > 0 && s.err[k] < bestError) {
                    bestError = s.err[k];
                    scale = s.scale[k];
                    winIscale = num[t + k] / range;
                    winMin = min;
                    min = s.min[k];
                    won = minMoved = true;
                    next = t + k + 1; // later trials of this group used the old min
                    break;
                }
            }
            t = next;
        }
        if (won) {
            for (int i = 0; i < n; i++) L[lo + i] = (byte) maxI(0, minI(nmax, nearestInt(winIscale * (x[xo + i] - winMin))));
        }
        theMin[0] = -min;
        return scale;
    }

    /** Scale and min of sub-block {@code j} from Q4_K/Q5_K's 12 packed 6-bit scale bytes. */
    static int scaleK4(int j, byte[] q, int qo) {
        if (j < 4) return q[qo + j] & 63;
        return (q[qo + j + 4] & 0xF) | (((q[qo + j - 4] & 0xFF) >> 6) << 4);
    }

    static int minK4(int j, byte[] q, int qo) {
        if (j < 4) return q[qo + j + 4] & 63;
        return ((q[qo + j + 4] & 0xFF) >> 4) | (((q[qo + j] & 0xFF) >> 6) << 4);
    }
}
