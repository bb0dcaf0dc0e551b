package dev.weightclass.runtime.bert;

/**
 * The float functions of the encoder computed with the same operations in the same order as ONNX
 * Runtime's CPU kernels (x86-64), so that our results equal its results bit for bit. That matters
 * for int8 models: every dense layer quantizes its input with a scale taken from the input's range,
 * so a last-bit difference upstream can move a value across a rounding boundary and the error
 * then grows through six layers. The constants are the published ones of ORT's math library.
 * <ul>
 *   <li>{@link #exp}: range reduction by a rounded multiple of ln 2 (split in a high and a low
 *       part), a degree-6 polynomial evaluated with fused multiply-adds, scaling by 2^m.</li>
 *   <li>{@link #erf}: an odd polynomial in x below 0.921875; above, 1 - exp(-p(|x|)) with the
 *       exponential evaluated inline (its own constants).</li>
 *   <li>{@link #sum}: the order of a reduction with two 4-lane accumulators (ReduceMean).</li>
 *   <li>{@link #softmaxSum}: the order of a 16-lane accumulator (the sum inside Softmax).</li>
 * </ul>
 */
final class OrtMath {
    private OrtMath() {}

    // exp (softmax): lower clamp, rounding bias 1.5 * 2^23, ln 2 split, polynomial
    static final float EXP_LOWER = -103.9720840454f;
    static final float ROUNDING_BIAS = 12582912f;
    static final float LOG2E = 1.44269504088896341f;
    static final float LN2_HIGH = -6.93145752e-1f;
    static final float LN2_LOW = -1.42860677e-6f;
    static final float EXP_P0 = 0x1.694000p-10f, EXP_P1 = 0x1.125edcp-7f, EXP_P2 = 0x1.555b5ap-5f,
            EXP_P3 = 0x1.555450p-3f, EXP_P4 = 0x1.fffff6p-2f, EXP_P56 = 1f;

    /** e^x for x <= 0 (softmax arguments after the maximum is subtracted). */
    static float exp(float x) {
        x = Math.max(EXP_LOWER, x);
        float m = Math.fma(x, LOG2E, ROUNDING_BIAS) - ROUNDING_BIAS;   // round(x / ln 2)
        x = Math.fma(m, LN2_HIGH, x);
        x = Math.fma(m, LN2_LOW, x);
        float p = EXP_P0;
        p = Math.fma(p, x, EXP_P1);
        p = Math.fma(p, x, EXP_P2);
        p = Math.fma(p, x, EXP_P3);
        p = Math.fma(p, x, EXP_P4);
        p = Math.fma(p, x, EXP_P56);
        p = Math.fma(p, x, EXP_P56);
        return Math.scalb(p, (int) m);                                 // exact scaling, rounded once if subnormal
    }

    // erf: split point, small-|x| polynomial in x^2, large-|x| polynomial, inline exp constants
    static final float ERF_SPLIT = 0.921875f;
    static final float[] ERF_SMALL = {-5.99104969e-4f, 4.99339588e-3f, -2.67667342e-2f, 1.12818025e-1f, -3.76124859e-1f,
            1.28379151e-1f};
    static final float[] ERF_BIG = {1.72948930e-5f, -3.83208680e-4f, 3.88393435e-3f, -2.42545605e-2f, 1.06777847e-1f,
            6.34846687e-1f, 1.28717512e-1f};
    static final float ERF_EXP_LOWER = -88.3762626647949f;
    static final float ERF_EXP_C = 1.25829120e+7f;
    static final float[] ERF_EXP = {1.38319808e-3f, 8.37550033e-3f, 4.16689515e-2f, 1.66664466e-1f, 4.99999851e-1f, 1f, 1f};

    static float erf(float v) {
        float a = Math.abs(v), r;
        if (a < ERF_SPLIT) {
            float s = a * a;
            r = ERF_SMALL[0];
            for (int i = 1; i < ERF_SMALL.length; i++) r = Math.fma(r, s, ERF_SMALL[i]);
            r = Math.fma(r, a, a);
        } else {
            r = ERF_BIG[0];
            for (int i = 1; i < ERF_BIG.length; i++) r = Math.fma(r, a, ERF_BIG[i]);
            r = Math.max(-Math.fma(r, a, a), ERF_EXP_LOWER);
            float t = Math.fma(LOG2E, r, ERF_EXP_C) - ERF_EXP_C;       // round(r / ln 2), >= -127
            float f = Math.fma(t, LN2_HIGH, r);
            f = Math.fma(t, LN2_LOW, f);
            float y = ERF_EXP[0];
            for (int i = 1; i < ERF_EXP.length; i++) y = Math.fma(y, f, ERF_EXP[i]);
            r = 1f - y * Float.intBitsToFloat(((int) t + 127) << 23);
        }
        return Math.copySign(r, v);
    }

    /**
     * {@code x[from] + ... + x[from + n - 1]} in the order of a reduction over 4-float packets with
     * two accumulators: lane-wise sums of alternate packets, the two added, a leftover packet added,
     * then the lanes as {@code (l0 + l2) + (l1 + l3)}, then the remaining elements one by one.
     */
    static float sum(float[] x, int from, int n) {
        int packets = n / 4 * 4, pairs = n / 8 * 8;
        if (packets == 0) {
            float s = x[from];
            for (int i = 1; i < n; i++) s += x[from + i];
            return s;
        }
        float a0 = x[from], a1 = x[from + 1], a2 = x[from + 2], a3 = x[from + 3];
        if (packets > 4) {
            float b0 = x[from + 4], b1 = x[from + 5], b2 = x[from + 6], b3 = x[from + 7];
            for (int i = from + 8; i < from + pairs; i += 8) {
                a0 += x[i]; a1 += x[i + 1]; a2 += x[i + 2]; a3 += x[i + 3];
                b0 += x[i + 4]; b1 += x[i + 5]; b2 += x[i + 6]; b3 += x[i + 7];
            }
            a0 += b0; a1 += b1; a2 += b2; a3 += b3;
            if (packets > pairs) {
                int i = from + pairs;
                a0 += x[i]; a1 += x[i + 1]; a2 += x[i + 2]; a3 += x[i + 3];
            }
        }
        float s = (a0 + a2) + (a1 + a3);
        for (int i = from + packets; i < from + n; i++) s += x[i];
        return s;
    }

    /** The sum of {@code e[from, from + n)} as a 16-lane accumulator adds it: lane j % 16, then a tree. */
    static float softmaxSum(float[] e, int from, int n) {
        float[] lane = new float[16];
        for (int j = 0; j < n; j++) lane[j & 15] += e[from + j];
        float t0 = lane[0] + lane[8], t1 = lane[1] + lane[9], t2 = lane[2] + lane[10], t3 = lane[3] + lane[11];
        float t4 = lane[4] + lane[12], t5 = lane[5] + lane[13], t6 = lane[6] + lane[14], t7 = lane[7] + lane[15];
        return ((t0 + t1) + (t2 + t3)) + ((t4 + t5) + (t6 + t7));
    }

    /**
     * Softmax of {@code s[from, from + n)} in place: maximum, {@link #exp} of each score minus it,
     * {@link #softmaxSum}, then every exponential times the reciprocal of the sum.
     */
    static void softmax(float[] s, int from, int n) {
        float max = -Float.MAX_VALUE;
        for (int j = from; j < from + n; j++) max = Math.max(max, s[j]);
        float neg = -max;
        for (int j = from; j < from + n; j++) s[j] = exp(s[j] + neg);
        float inv = 1f / softmaxSum(s, from, n);
        for (int j = from; j < from + n; j++) s[j] = s[j] * inv;
    }

    /** GELU as the exported graph writes it: {@code (x * (erf(x / sqrt2) + 1)) * 0.5}, sqrt2 as a float. */
    static float gelu(float x) {
        return x * (erf(x / SQRT2) + 1f) * 0.5f;
    }

    static final float SQRT2 = (float) Math.sqrt(2);
}
