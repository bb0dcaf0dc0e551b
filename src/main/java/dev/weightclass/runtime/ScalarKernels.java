package dev.weightclass.runtime;

import dev.weightclass.tensor.TensorType;

/** The reference kernels: decode each row to floats, then a plain sequential dot product. */
final class ScalarKernels extends RowKernels {
    private final ThreadLocal<float[]> scratch = ThreadLocal.withInitial(() -> new float[0]);

    ScalarKernels(int threads) {
        super(threads);
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
    void matvecRows(WeightMatrix w, float[] x, float[] out, int r0, int r1) {
        float[] row = rowBuffer(w.cols());
        for (int r = r0; r < r1; r++) {
            RowDecoder.decode(w, r, row, 0);
            out[r] = dot(row, 0, x, 0, w.cols());
        }
    }

    @Override
    void matmulRows(WeightMatrix w, float[][] x, float[][] out, int n, int r0, int r1) {
        float[] row = rowBuffer(w.cols());
        for (int r = r0; r < r1; r++) {
            RowDecoder.decode(w, r, row, 0);
            for (int b = 0; b < n; b++) out[b][r] = dot(row, 0, x[b], 0, w.cols());
        }
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
    public void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) y[yOff + i] += a * x[xOff + i];
    }
}
