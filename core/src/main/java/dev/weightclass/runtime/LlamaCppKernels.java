package dev.weightclass.runtime;

import dev.weightclass.tensor.TensorType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Matrix products in the exact float order of llama.cpp's CPU backend on an x86 machine with
 * AVX2/FMA/F16C (llamafile and repacking on), with {@link LlamaCppOrder} for the other operations:
 * an evaluation mode whose perplexity and KL figures reproduce llama-perplexity's. Slower than
 * {@link VectorKernels} (lane-by-lane Java), so it is chosen explicitly ({@code eval --match llama.cpp}).
 * <ul>
 *   <li>F32/F16/BF16 weights, a batch of 2 or more tokens and a row length that is a multiple of 8:
 *       tinyBLAS, one 8-lane FMA accumulator per output, {@link LlamaCppOrder#hsum8}.</li>
 *   <li>Otherwise ggml_vec_dot_f32/f16/bf16: four 8-lane accumulators over steps of 32, summed
 *       pairwise, the lanes reduced, the tail added one product at a time (f16/bf16 in double).</li>
 *   <li>Q8_0 and Q5_0 weights (Q8_0 activations; not repacked on AVX2): per 32-block eight exact
 *       integer sums of 4 consecutive products, one FMA per block by the product of the two
 *       scales, {@link LlamaCppOrder#hsum8}; the same in tinyBLAS and ggml_vec_dot_q8_0_q8_0.</li>
 *   <li>Every other type (Q4_0 is repacked on AVX2; Q4_1/Q5_1/k-quants): {@link VectorKernels}.</li>
 * </ul>
 */
final class LlamaCppKernels extends RowKernels {

    /** ggml's AVX2 registers: 8 float lanes, whatever this machine's preferred width. */
    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    private static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256;

    private final VectorKernels other;
    private final ThreadLocal<float[]> lanes = ThreadLocal.withInitial(() -> new float[32]);

    LlamaCppKernels(int threads) {
        super(threads, Inputs.LLAMA_CPP);
        other = new VectorKernels(1, Inputs.LLAMA_CPP);
    }

    @Override
    public String name() { return "llama.cpp"; }

    @Override
    public boolean llamaCppOrder() { return true; }

    @Override
    public boolean supports(TensorType type) { return RowDecoder.supports(type); }

    @Override
    boolean vectorConversion() { return false; }

    private static boolean floatType(TensorType t) {
        return t == TensorType.F32 || t == TensorType.F16 || t == TensorType.BF16;
    }

    private static boolean own(TensorType t) {
        return floatType(t) || BlockQuants.supports(t);
    }

    @Override
    void matvecRows(WeightMatrix w, QuantizedInput x, float[] out, int r0, int r1) {
        if (!own(w.type())) {
            other.matvecRows(w, x, out, r0, r1);
            return;
        }
        Row row = row(w.cols());
        int[][] xt = transposed(w, new QuantizedInput[] {x}, 1);
        for (int r = r0; r < r1; r++) {
            row.load(w, r);
            out[r] = product(w.type(), row, x, xt[0], w.cols(), false);
        }
    }

    @Override
    void matmulRows(WeightMatrix w, QuantizedInput[] x, float[][] out, int n, int r0, int r1) {
        if (!own(w.type())) {
            other.matmulRows(w, x, out, n, r0, r1);
            return;
        }
        // llamafile_sgemm takes float products of 2+ tokens when k % 8 == 0 and m % 4 == 0
        boolean gemm = n >= 2 && w.cols() % 8 == 0 && w.rows() % 4 == 0;
        Row row = row(w.cols());
        int[][] xt = transposed(w, x, n);
        for (int r = r0; r < r1; r++) {
            row.load(w, r);
            for (int b = 0; b < n; b++) out[b][r] = product(w.type(), row, x[b], xt[b], w.cols(), gemm);
        }
    }

    /**
     * For block types: each token's activation quants with every 32-block transposed as 4 x 8
     * ({@code [8k + l] = q[4l + k]}), so that 8 int lanes summed over k give the sums of 4
     * consecutive products ggml's maddubs+madd form. Null entries for float types.
     */
    private int[][] transposed(WeightMatrix w, QuantizedInput[] x, int n) {
        int[][] out = new int[n][];
        if (!BlockQuants.supports(w.type())) return out;
        int cols = w.cols();
        for (int b = 0; b < n; b++) {
            int[] t = out[b] = new int[cols];
            float[] q = x[b].q;
            for (int o = 0; o < cols; o += 32) {
                for (int l = 0; l < 8; l++) {
                    for (int k = 0; k < 4; k++) t[o + 8 * k + l] = (int) q[o + 4 * l + k];
                }
            }
        }
        return out;
    }

    /** One weight row, decoded once for all the tokens: floats, or a block type's integer quants, scales and minimums. */
    private static final class Row {
        float[] values = new float[0];
        int[] quants = new int[0];   // per 32-block transposed as 4 x 8, like the activations (see transposed)
        final int[] block = new int[32];
        float[] scales = new float[0], mins = new float[0];

        void load(WeightMatrix w, int r) {
            TensorType t = w.type();
            if (floatType(t)) {
                RowDecoder.decode(w, r, values, 0);
                return;
            }
            MemorySegment s = w.data();
            long base = w.rowOffset(r), bytes = t.bytesFor(32);
            for (int b = 0; b < w.cols() / 32; b++) {
                long bo = base + bytes * b;
                BlockQuants.unpack(t, s, bo, block, 0);
                for (int l = 0; l < 8; l++) {
                    for (int k = 0; k < 4; k++) quants[32 * b + 8 * k + l] = block[4 * l + k];
                }
                scales[b] = RowDecoder.f16(s, bo);
                if (t == TensorType.Q4_1 || t == TensorType.Q5_1) mins[b] = RowDecoder.f16(s, bo + 2);
            }
        }
    }

    private final ThreadLocal<Row> rows = ThreadLocal.withInitial(Row::new);

    private Row row(int cols) {
        Row r = rows.get();
        if (r.values.length < cols) {
            r.values = new float[cols];
            r.quants = new int[cols];
            r.scales = new float[cols / 32 + 1];
            r.mins = new float[cols / 32 + 1];
        }
        return r;
    }

    /** The loaded row times x. */
    private float product(TensorType t, Row row, QuantizedInput x, int[] xt, int cols, boolean gemm) {
        if (BlockQuants.supports(t)) return blocks(t, row, x, xt, cols);
        float[] w = row.values, v = x.values;
        if (gemm) return tinyBlas(w, v, cols);
        return switch (t) {
            case F32 -> vecDotF32(w, v, cols);
            case F16 -> vecDotHalf(w, v, cols, false);
            default -> vecDotHalf(w, v, cols, true);
        };
    }

    /** tinyBLAS: one 8-lane FMA accumulator over the row, then the horizontal sum. */
    private float tinyBlas(float[] w, float[] x, int n) {
        FloatVector acc = FloatVector.zero(F8);
        for (int c = 0; c < n; c += 8) acc = FloatVector.fromArray(F8, w, c).fma(FloatVector.fromArray(F8, x, c), acc);
        float[] l = lanes.get();
        acc.intoArray(l, 0);
        return LlamaCppOrder.hsum8(l, 0);
    }

    /**
     * Four 8-lane FMA accumulators over whole steps of 32, combined as (0+2)+(1+3); lanes in
     * {@code acc[0..8)}. (The bf16 dot writes a multiply then an add, which compilers contract;
     * a product of two bf16 values is exact in float, so both give this.)
     */
    private static void fourAccumulators(float[] w, float[] x, int np, float[] acc) {
        FloatVector a0 = FloatVector.zero(F8), a1 = a0, a2 = a0, a3 = a0;
        for (int i = 0; i < np; i += 32) {
            a0 = FloatVector.fromArray(F8, w, i).fma(FloatVector.fromArray(F8, x, i), a0);
            a1 = FloatVector.fromArray(F8, w, i + 8).fma(FloatVector.fromArray(F8, x, i + 8), a1);
            a2 = FloatVector.fromArray(F8, w, i + 16).fma(FloatVector.fromArray(F8, x, i + 16), a2);
            a3 = FloatVector.fromArray(F8, w, i + 24).fma(FloatVector.fromArray(F8, x, i + 24), a3);
        }
        a0.add(a2).add(a1.add(a3)).intoArray(acc, 0);
    }

    /** ggml_vec_dot_f32: float sum, tail in float (contracted, see LlamaCppOrder). */
    private float vecDotF32(float[] w, float[] x, int n) {
        float[] acc = lanes.get();
        int np = n & ~31;
        fourAccumulators(w, x, np, acc);
        float sum = LlamaCppOrder.hadd8(acc, 0);
        for (int i = np; i < n; i++) sum = Math.fma(w[i], x[i], sum);   // sumf += x*y, contracted
        return sum;
    }

    /**
     * ggml_vec_dot_f16 and ggml_vec_dot_bf16 (AVX2): the vector sum (f16: two horizontal adds;
     * bf16: the hsum tree) into a double, each tail product (in float) added in double.
     */
    private float vecDotHalf(float[] w, float[] x, int n, boolean bf16) {
        float[] acc = lanes.get();
        int np = n & ~31;
        fourAccumulators(w, x, np, acc);
        double sum = bf16 ? LlamaCppOrder.hsum8(acc, 0) : LlamaCppOrder.hadd8(acc, 0);
        for (int i = np; i < n; i++) sum += w[i] * x[i];
        return (float) sum;
    }

    /**
     * Q8_0/Q5_0 weights times Q8_0 activations (tinyBLAS_Q0_AVX and ggml_vec_dot_q8_0_q8_0 agree),
     * Q4_1/Q5_1 times Q8_1 (ggml_vec_dot_q4_1_q8_1 / q5_1_q8_1): per block, lane l holds the exact
     * integer sum of elements 4l..4l+3 and gets one FMA by the product of the two scales; the
     * weight minimums times the activation sums go into a separate float sum (an FMA each).
     */
    private float blocks(TensorType t, Row row, QuantizedInput x, int[] xt, int cols) {
        int[] q = row.quants;
        boolean withMin = t == TensorType.Q4_1 || t == TensorType.Q5_1;
        FloatVector acc = FloatVector.zero(F8);
        float mins = 0f;
        for (int b = 0; b < cols / 32; b++) {
            int o = 32 * b;
            IntVector sum = IntVector.fromArray(I8, q, o).mul(IntVector.fromArray(I8, xt, o));
            for (int k = 8; k < 32; k += 8) sum = sum.add(IntVector.fromArray(I8, q, o + k).mul(IntVector.fromArray(I8, xt, o + k)));
            FloatVector lanesAsFloats = (FloatVector) sum.convert(VectorOperators.I2F, 0);
            acc = lanesAsFloats.fma(FloatVector.broadcast(F8, row.scales[b] * x.d[b]), acc);
            if (withMin) mins = Math.fma(row.mins[b], x.s[b], mins);
        }
        float[] l = lanes.get();
        acc.intoArray(l, 0);
        return withMin ? LlamaCppOrder.hsum8(l, 0) + mins : LlamaCppOrder.hsum8(l, 0);
    }

    // ---- the rest: as the vector kernels (not on the evaluation's path or exact either way) ----

    @Override
    public void row(WeightMatrix w, int row, float[] out, int off) { RowDecoder.decode(w, row, out, off); }

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int n) { return other.dot(a, aOff, b, bOff, n); }

    @Override
    public void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) { other.axpy(a, x, xOff, y, yOff, n); }

    @Override
    public float dotF16(float[] a, int aOff, short[] h, int hOff, int n) { return other.dotF16(a, aOff, h, hOff, n); }

    @Override
    public void axpyF16(float a, short[] h, int hOff, float[] y, int yOff, int n) { other.axpyF16(a, h, hOff, y, yOff, n); }

    @Override
    public void close() {
        other.close();
        super.close();
    }
}
