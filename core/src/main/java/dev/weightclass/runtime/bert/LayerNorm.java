package dev.weightclass.runtime.bert;

/**
 * {@code y = (x - mean) / sqrt(var + eps) * gamma + beta} over each row of width {@code gamma.length},
 * in float with the exported graph's operations (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div,
 * Mul, Add) and ONNX Runtime's summation order ({@link OrtMath#sum}).
 */
record LayerNorm(float[] gamma, float[] beta, float eps) {

    void apply(float[] x, int rows) {
        apply(x, 0, rows);
    }

    /** {@code x = LayerNorm(x + a)} (a residual connection), rows split between threads. */
    void applyAfterAdding(float[] a, float[] x, int rows, Parallel parallel) {
        int h = gamma.length;
        parallel.split(rows, 4, (r0, r1) -> {
            for (int i = r0 * h; i < r1 * h; i++) x[i] = a[i] + x[i];
            apply(x, r0, r1);
        });
    }

    private void apply(float[] x, int r0, int r1) {
        int h = gamma.length;
        float[] d = new float[h];
        for (int r = r0; r < r1; r++) {
            int o = r * h;
            float mean = OrtMath.sum(x, o, h) / h;
            for (int i = 0; i < h; i++) {
                float c = x[o + i] - mean;
                d[i] = c * c;
            }
            float std = (float) Math.sqrt(OrtMath.sum(d, 0, h) / h + eps);
            for (int i = 0; i < h; i++) x[o + i] = (x[o + i] - mean) / std * gamma[i] + beta[i];
        }
    }
}
