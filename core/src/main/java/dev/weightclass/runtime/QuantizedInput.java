package dev.weightclass.runtime;

import dev.weightclass.tensor.TensorType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * One activation row converted the way llama.cpp's CPU backend converts the input of a product
 * before multiplying it with a weight (ggml's {@code vec_dot_type}): rounded to F16 for F16 weights,
 * to BF16 for BF16 weights, quantized to Q8_0 blocks for Q8_0/Q4_0/Q5_0 weights and to Q8_1 blocks
 * (which add the block sum) for Q4_1/Q5_1. Matching this conversion is what makes perplexity and KL
 * figures agree with llama.cpp's. Other weight types keep the F32 row.
 *
 * <p>A reusable buffer: {@link #set} overwrites it; grows only when a longer row comes.
 */
final class QuantizedInput {

    /** The activation format a weight type multiplies with. */
    enum Kind {
        F32, F16, BF16, Q8_0, Q8_1;

        static Kind of(TensorType weight) {
            return switch (weight) {
                case F16 -> F16;
                case BF16 -> BF16;
                case Q8_0, Q4_0, Q5_0 -> Q8_0;
                case Q4_1, Q5_1 -> Q8_1;
                default -> F32;
            };
        }

        boolean blocks() { return this == Q8_0 || this == Q8_1; }
    }

    static final int QK = 32;

    Kind kind = Kind.F32;
    int n;
    /** Q8_0/Q8_1: the int8 quants, held as floats (exact); else unused. */
    float[] q = new float[0];
    /** The same quants as 16-bit integers (Q8_0/Q8_1), for kernels that multiply in integer lanes. */
    short[] qs = new short[0];
    /** Per 32-block: the scale as stored (rounded to F16), and for Q8_1 {@code d * sum(q)} as stored (F16). */
    float[] d = new float[0], s = new float[0];
    /** Per 32-block (Q8_0/Q8_1): the sum of the first 16 quants, for kernels that take a constant off a half-block. */
    int[] lowSums = new int[0];
    /** The quants split as {@code q = 16 * qHigh + qLow}, qLow in [0, 15]: products with int8 weights that fit 16 bits. */
    short[] qLow = new short[0], qHigh = new short[0];
    /** The values this row stands for: {@code d * q} per block, the rounded F16/BF16 values, or the F32 row itself. */
    float[] values = new float[0];
    private float[] own = new float[0];

    /** Converts {@code x[0..n)} for {@code kind}; the vector path gives bit-identical results. */
    QuantizedInput set(Kind kind, float[] x, int n, boolean vector) {
        this.kind = kind;
        this.n = n;
        if (kind == Kind.F32) {
            values = x;
            return this;
        }
        if (own.length < n) own = new float[n];
        values = own;
        switch (kind) {
            case F16 -> {
                for (int i = 0; i < n; i++) own[i] = Float.float16ToFloat(Float.floatToFloat16(x[i]));
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) own[i] = bf16Round(x[i]);
            }
            default -> {
                if (n % QK != 0) throw new IllegalArgumentException("row of " + n + " is not a multiple of " + QK);
                int blocks = n / QK;
                if (q.length < n) {
                    q = new float[n];
                    qs = new short[n];
                    qLow = new short[n];
                    qHigh = new short[n];
                }
                if (d.length < blocks) {
                    d = new float[blocks];
                    s = new float[blocks];
                    lowSums = new int[blocks];
                }
                if (vector) quantizeVector(x, blocks, kind == Kind.Q8_1);
                else quantizeScalar(x, blocks, kind == Kind.Q8_1);
            }
        }
        return this;
    }

    /** fp32 -> bf16 with round-to-nearest-even, NaN kept quiet (ggml_compute_fp32_to_bf16), back to fp32. */
    static float bf16Round(float f) {
        int u = Float.floatToRawIntBits(f);
        int h = (u & 0x7fffffff) > 0x7f800000 ? (u >>> 16) | 64 : (u + (0x7fff + ((u >>> 16) & 1))) >>> 16;
        return Float.intBitsToFloat(h << 16);
    }

    static float f16Round(float f) {
        return Float.float16ToFloat(Float.floatToFloat16(f));
    }

    /**
     * The reference, as ggml's x86 quantize_row_q8_0/q8_1: d = amax/127 (stored as F16),
     * q = round-half-even(x * 127/amax), and for Q8_1 s = d * sum(q) (stored as F16).
     */
    private void quantizeScalar(float[] x, int blocks, boolean withSum) {
        for (int b = 0; b < blocks; b++) {
            int o = b * QK;
            float amax = 0;
            for (int j = 0; j < QK; j++) amax = Math.max(amax, Math.abs(x[o + j]));
            float dd = amax / 127f;
            float id = amax != 0 ? 127f / amax : 0f;
            int sum = 0;
            for (int j = 0; j < QK; j++) {
                float v = (float) Math.rint(x[o + j] * id) + 0f;   // + 0f: no negative zeros
                q[o + j] = v;
                sum += (int) v;
            }
            finishBlock(b, dd, sum, withSum);
        }
    }

    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    /** 1.5 * 2^23: adding and subtracting it rounds |v| < 2^22 to an integer, ties to even (like rint). */
    private static final float ROUND = 0x1.8p23f;

    private void quantizeVector(float[] x, int blocks, boolean withSum) {
        int l = FS.length();
        for (int b = 0; b < blocks; b++) {
            int o = b * QK;
            FloatVector m = FloatVector.zero(FS);
            for (int j = 0; j < QK; j += l) m = m.max(FloatVector.fromArray(FS, x, o + j).abs());
            float amax = m.reduceLanes(VectorOperators.MAX);
            float dd = amax / 127f;
            float id = amax != 0 ? 127f / amax : 0f;
            FloatVector sum = FloatVector.zero(FS);
            for (int j = 0; j < QK; j += l) {
                FloatVector v = FloatVector.fromArray(FS, x, o + j).mul(id).add(ROUND).sub(ROUND).add(0f);
                v.intoArray(q, o + j);
                sum = sum.add(v);
            }
            finishBlock(b, dd, (int) sum.reduceLanes(VectorOperators.ADD), withSum);
        }
    }

    private void finishBlock(int b, float dd, int sum, boolean withSum) {
        float ds = f16Round(dd);
        d[b] = ds;
        s[b] = withSum ? f16Round(dd * sum) : 0f;
        int low = 0;
        for (int j = b * QK, e = j + QK; j < e; j++) {
            own[j] = ds * q[j];
            qs[j] = (short) q[j];
            qLow[j] = (short) (qs[j] & 15);
            qHigh[j] = (short) (qs[j] >> 4);
            if (j < b * QK + QK / 2) low += qs[j];
        }
        lowSums[b] = low;
    }
}
