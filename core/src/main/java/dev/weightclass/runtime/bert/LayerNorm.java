package dev.weightclass.runtime.bert;

/**
 * {@code y = (x - mean) / sqrt(var + eps) * gamma + beta} over each row of width {@code gamma.length},
 * in float with the exported graph's operations (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div,
 * Mul, Add) and ONNX Runtime's summation order ({@link OrtMath#sum}); see {@link BertKernels#layerNorm}.
 */
record LayerNorm(float[] gamma, float[] beta, float eps) {

    LayerNorm {
        if (beta == null) beta = new float[gamma.length];
    }

    /** Rows split between threads. */
    void apply(float[] x, int rows, BertKernels kernels, Parallel parallel) {
        parallel.split(rows, 4, (r0, r1) -> kernels.layerNorm(x, r0, r1, gamma, beta, eps));
    }

    /** {@code x = LayerNorm(x + a)} (a residual connection), rows split between threads. */
    void applyAfterAdding(float[] a, float[] x, int rows, BertKernels kernels, Parallel parallel) {
        int h = gamma.length;
        parallel.split(rows, 4, (r0, r1) -> {
            for (int i = r0 * h; i < r1 * h; i++) x[i] = a[i] + x[i];
            kernels.layerNorm(x, r0, r1, gamma, beta, eps);
        });
    }
}
