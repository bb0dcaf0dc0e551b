package dev.weightclass.runtime;

/**
 * The non-matrix operations of llama.cpp's CPU backend in its exact floating-point order, as built
 * for an x86 machine with AVX2 and FMA (the machine of the golden llama-perplexity figures), for
 * evaluation runs whose figures must agree with llama.cpp's to the last printed digit. Every
 * float operation here is one that ggml performs, in ggml's order; 8-lane vector steps are
 * written out lane by lane. The matrix products live in {@link LlamaCppKernels}.
 *
 * <p>Why it matters: Q8_0/BF16 models lose so little that their KL divergence is decided by
 * activations sitting on a quantization boundary, so one ulp anywhere before a conversion moves it.
 */
final class LlamaCppOrder {
    private LlamaCppOrder() {}

    /*
     * CONTRACTED: ggml is compiled with floating-point contraction (GCC's default), so where its C
     * source writes a*b + c in one expression (RoPE's rotation, the f32 dot's tail, the Q4_1/Q5_1
     * minimum sums) the first product is fused into an FMA. Matching that moved our cumulative
     * perplexity onto llama.cpp's printed digits at nearly every chunk.
     */

    /** Keys per tile of the tiled flash attention (and queries per tile; one query row's result does not depend on it). */
    static final int KV_TILE = 64;

    // ---- 8-lane reductions ----

    /**
     * The 256-bit horizontal sum of tinyBLAS, ggml's hsum_float_8 and the bf16 dot: upper half plus
     * lower half, then lanes 0+2 and 1+3, then their sum.
     */
    static float hsum8(float[] a, int o) {
        float s0 = a[o] + a[o + 4], s1 = a[o + 1] + a[o + 5], s2 = a[o + 2] + a[o + 6], s3 = a[o + 3] + a[o + 7];
        return (s0 + s2) + (s1 + s3);
    }

    /** GGML_F32x8_REDUCE's last step (lower plus upper half, then two horizontal adds): (t0+t1)+(t2+t3). */
    static float hadd8(float[] a, int o) {
        float t0 = a[o] + a[o + 4], t1 = a[o + 1] + a[o + 5], t2 = a[o + 2] + a[o + 6], t3 = a[o + 3] + a[o + 7];
        return (t0 + t1) + (t2 + t3);
    }

    // ---- RMSNorm ----

    /**
     * ggml_compute_forward_rms_norm_f32 then the weight multiply: float squares summed in double,
     * the mean rounded to float, {@code 1/sqrtf(mean + eps)} in float, {@code (x * scale) * w}.
     */
    static void rmsnorm(float[] x, int dim, float eps, float[] w, float offset, float[] out) {
        double sum = 0;
        for (int i = 0; i < dim; i++) {
            float sq = x[i] * x[i];
            sum += sq;
        }
        float mean = (float) (sum / dim);
        float scale = 1f / (float) Math.sqrt(mean + eps);
        for (int i = 0; i < dim; i++) out[i] = x[i] * scale * (w[i] + offset);
    }

    // ---- RoPE ----

    /**
     * ggml_rope_cache_init: theta starts at the position (a float) and is multiplied by
     * {@code powf(base, -2/dims)} once per pair, in float; cos and sin are taken of that float.
     */
    static void ropeCache(int pos, int headDim, float base, float[] cos, float[] sin) {
        float thetaScale = (float) Math.pow(base, -2.0f / headDim);
        float theta = pos;
        for (int i = 0; i < headDim / 2; i++) {
            cos[i] = (float) Math.cos(theta);
            sin[i] = (float) Math.sin(theta);
            theta *= thetaScale;
        }
    }

    // ---- exp and SwiGLU ----

    /**
     * ggml_v_expf, one lane: ggml's AVX2 exp (Arm optimized-routines: range reduction by
     * 1.5*2^23 rounding, degree-5 polynomial, exponent by integer add; special scaling for |n| > 126).
     */
    static float vexpf(float x) {
        final float r = 0x1.8p23f;
        float z = Math.fma(x, 0x1.715476p+0f, r);
        float n = z - r;
        float b = Math.fma(-n, 0x1.7f7d1cp-20f, Math.fma(-n, 0x1.62e4p-1f, x));
        int e = Float.floatToRawIntBits(z) << 23;
        float k = Float.intBitsToFloat(e + Float.floatToRawIntBits(1f));
        float u = b * b;
        float j = Math.fma(Math.fma(Math.fma(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u,
                Math.fma(0x1.555e66p-3f, b, 0x1.fffdb6p-2f)), u, 0x1.ffffecp-1f * b);
        float an = Math.abs(n);
        if (!(an > 126)) return Math.fma(j, k, k);
        int g = n <= 0 ? 0x82000000 : 0;
        float s1 = Float.intBitsToFloat(g + 0x7f000000);
        float s2 = Float.intBitsToFloat(e - g);
        if (an > 192) return s1 * s1;
        return Math.fma(s2, j, s2) * s1;
    }

    /**
     * ggml_vec_swiglu_f32: gate = silu(gate) * up, whole groups of 8 with {@link #vexpf}
     * ({@code x / (1 + exp(-x))}, a true division), the tail with libm's expf.
     */
    static void swiglu(float[] gate, float[] up, int n) {
        int i = 0, whole = n & ~7;
        for (; i < whole; i++) {
            float x = gate[i];
            gate[i] = x / (1f + vexpf(0f - x)) * up[i];
        }
        for (; i < n; i++) {
            float x = gate[i];
            gate[i] = x / (1f + (float) Math.exp(-x)) * up[i];
        }
    }

    // ---- attention ----

    /** Per-thread buffers of one attention row. */
    static final class AttentionScratch {
        final float[] kq = new float[KV_TILE];
        final float[] p = new float[8];
        float[] acc = new float[0];
    }

    /**
     * One query row of ggml's tiled CPU flash attention (batches of at least 64 queries, F32
     * query, F16 K/V converted to float): per 64-key tile, scores as an FMA chain over the head
     * dimension, times the scale; online softmax (max per tile, rescale by expf, probabilities
     * by {@link #vexpf} summed 8 at a time into a double); values accumulated by an FMA chain
     * over the tile's keys; finally times 1/S.
     *
     * @param first the first visible key (sliding window), {@code last} the query's own position
     */
    static void attend(float[] q, int qOff, short[] kc, short[] vc, int kvOff, int kvDim, int hd, int first, int last,
                       float scale, float[] out, int outOff, AttentionScratch sc) {
        if (sc.acc.length < hd) sc.acc = new float[hd];
        float[] acc = sc.acc, kq = sc.kq;
        java.util.Arrays.fill(acc, 0, hd, 0f);
        float m = Float.NEGATIVE_INFINITY, s = 0f;
        for (int t0 = 0; t0 <= last; t0 += KV_TILE) {
            int lo = Math.max(first, t0), hi = Math.min(last, t0 + KV_TILE - 1);
            if (lo > hi) continue;   // every key of this tile is masked for this row
            float tileMax = Float.NEGATIVE_INFINITY;
            for (int t = lo; t <= hi; t++) {
                int ko = t * kvDim + kvOff;
                float dot = 0f;
                for (int d = 0; d < hd; d++) dot = Math.fma(Float.float16ToFloat(kc[ko + d]), q[qOff + d], dot);
                dot *= scale;
                kq[t - t0] = dot;
                tileMax = Math.max(tileMax, dot);
            }
            float mNew = Math.max(m, tileMax);
            if (mNew > m) {
                float ms = (float) Math.exp(m - mNew);
                for (int d = 0; d < hd; d++) acc[d] *= ms;
                s *= ms;
            }
            m = mNew;
            // probabilities: masked keys are exactly 0 (exp of -inf); sums of 8 lanes into a double
            double sum = 0;
            float[] p = sc.p;
            for (int g = 0; g < KV_TILE; g += 8) {
                for (int l = 0; l < 8; l++) {
                    int t = t0 + g + l;
                    p[l] = t >= lo && t <= hi ? vexpf(kq[g + l] - m) : 0f;
                    if (t >= lo && t <= hi) kq[g + l] = p[l];
                }
                sum += hsum8(p, 0);
            }
            s = (float) (s + sum);
            for (int d = 0; d < hd; d++) {
                float a = acc[d];
                for (int t = lo; t <= hi; t++) a = Math.fma(Float.float16ToFloat(vc[t * kvDim + kvOff + d]), kq[t - t0], a);
                acc[d] = a;
            }
        }
        float inv = s == 0f ? 0f : 1f / s;
        for (int d = 0; d < hd; d++) out[outOff + d] = acc[d] * inv;
    }
}
