package dev.weightclass.runtime;

import dev.weightclass.tensor.TensorType;

/**
 * The reference kernels: 32-block types multiply their integer quants with the quantized activation
 * block by block ({@link BlockDots}); every other type decodes the row to floats, then a plain
 * sequential dot product with the (F16/BF16-rounded) activation.
 */
final class ScalarKernels extends RowKernels {
    private final ThreadLocal<float[]> scratch = ThreadLocal.withInitial(() -> new float[0]);

    ScalarKernels(int threads, Inputs inputs) {
        super(threads, inputs);
    }

    @Override
    public String name() { return "scalar"; }

    @Override
    public boolean supports(TensorType type) { return RowDecoder.supports(type); }

    private float[] rowBuffer(int cols) {
        float[] b = scratch.get();
        if (b.length < cols) {
            b = new float[cols];
            scratch.set(b);
        }
        return b;
    }

    @Override
    boolean vectorConversion() { return false; }

    @Override
    void matvecRows(WeightMatrix w, QuantizedInput x, float[] out, int r0, int r1) {
        float[] row = rowBuffer(w.cols());
        for (int r = r0; r < r1; r++) out[r] = rowDot(w, r, x, row);
    }

    @Override
    void matmulRows(WeightMatrix w, QuantizedInput[] x, float[][] out, int n, int r0, int r1) {
        float[] row = rowBuffer(w.cols());
        for (int r = r0; r < r1; r++) {
            for (int b = 0; b < n; b++) out[b][r] = rowDot(w, r, x[b], row);
        }
    }

    private float rowDot(WeightMatrix w, int r, QuantizedInput x, float[] row) {
        if (x.kind.blocks()) return BlockDots.dot(w.type(), w.data(), w.rowOffset(r), x, w.cols());
        RowDecoder.decode(w, r, row, 0);
        return dot(row, 0, x.values, 0, w.cols());
    }

    @Override
    public void row(WeightMatrix w, int row, float[] out, int off) {
        RowDecoder.decode(w, row, out, off);
    }

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        float s = 0;
        for (int i = 0; i < n; i++) s += a[aOff + i] * b[bOff + i];
        return s;
    }

    @Override
    public float dotF16(float[] a, int aOff, short[] h, int hOff, int n) {
        float s = 0;
        for (int i = 0; i < n; i++) s += a[aOff + i] * Float.float16ToFloat(h[hOff + i]);
        return s;
    }

    @Override
    public void axpyF16(float a, short[] h, int hOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) y[yOff + i] += a * Float.float16ToFloat(h[hOff + i]);
    }

    @Override
    public void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) y[yOff + i] += a * x[xOff + i];
    }
}
