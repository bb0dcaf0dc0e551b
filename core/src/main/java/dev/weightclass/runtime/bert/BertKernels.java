package dev.weightclass.runtime.bert;

import java.lang.foreign.MemorySegment;

/**
 * The hot loops of the encoder. Weights stay in the mapped file: {@code w} is the tensor's bytes,
 * little-endian, row-major. Every product writes columns {@code [n0, n1)} of {@code y[rows, N]},
 * so callers can split a product over columns between threads. {@link #scalar()} is the plain
 * reference, {@link #vector()} the Vector API version; the tests hold one against the other.
 */
interface BertKernels {

    /** {@code y[r, n] = Σ_k x[r, k] · W[k, n]}: W stored [K, N] (ONNX MatMul). */
    void gemmInOut(float[] x, int rows, int k, MemorySegment w, int n, float[] y, int n0, int n1);

    /** {@code y[r, n] = Σ_k x[r, k] · W[n, k]}: W stored [N, K] (PyTorch Linear). */
    void gemmOutIn(float[] x, int rows, int k, MemorySegment w, int n, float[] y, int n0, int n1);

    /**
     * {@code y[r, n] = (Σ_k xq[r, k] · (W[k, n] - zp[n])) · (rowScale[r] · colScale[n]) + bias[n]}:
     * W stored [K, N] as int8 (or uint8 when {@code unsigned}); {@code xq} holds quantized
     * activations minus their zero point, as floats. Every term is an integer below 2^15, so the
     * float sums are exact as long as they stay below 2^24, as MatMulInteger's int32 sums are.
     * {@code bias} may be null (zeros). {@code packed} holds the same weights as {@link Int8Linear#pack}
     * lays them out; a kernel reads whichever suits it.
     */
    void gemmInt8(float[] xq, int rows, int k, MemorySegment w, MemorySegment packed, boolean unsigned, float[] zp, int n,
                  float[] rowScale, float[] colScale, float[] bias, float[] y, int n0, int n1);

    /**
     * Self-attention of one head over one sentence. {@code q, k, v, out} are [tokens, H] with the
     * sentence at rows [start, start + len) and the head at columns [col, col + hd).
     * {@code out_i = Σ_j softmax_j(q_i · k_j / divisor) v_j}; the products are fused multiply-add
     * chains in index order and the softmax is {@link OrtMath#softmax}, as ONNX Runtime computes them.
     */
    void attention(float[] q, float[] k, float[] v, float[] out, int h, int start, int len, int col, int hd, float divisor);

    /**
     * LayerNorm of rows [r0, r1) of {@code x} (width {@code gamma.length}) in place:
     * {@code (x - mean) / sqrt(mean((x - mean)^2) + eps) * gamma + beta}, both means summed in
     * {@link OrtMath#sum}'s order.
     */
    void layerNorm(float[] x, int r0, int r1, float[] gamma, float[] beta, float eps);

    /** {@code range = {min(0, x[from, to)), max(0, x[from, to))}}: the range DynamicQuantizeLinear widens to include 0. */
    void range(float[] x, int from, int to, float[] range);

    /** {@code q[i] = }{@link DynamicQuantization#level}{@code (x[i], scale, zp)} over [from, to). */
    void quantize(float[] x, int from, int to, float scale, float zp, float[] q);

    /** {@code x = x · ½ (1 + erf(x / √2))} over [from, to): exact (erf) GELU, as {@link OrtMath#gelu}. */
    void gelu(float[] x, int from, int to);

    static BertKernels scalar() { return ScalarBertKernels.INSTANCE; }

    static BertKernels vector() { return new VectorBertKernels(); }
}
