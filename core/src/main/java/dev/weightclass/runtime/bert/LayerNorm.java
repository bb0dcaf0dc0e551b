package dev.weightclass.runtime.bert;

/**
 * {@code y = (x - mean) / sqrt(var + eps) * gamma + beta} over each row of width {@code gamma.length},
 * in float with the exported graph's operations (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div,
 * Mul, Add) and ONNX Runtime's summation order ({@link OrtMath#sum}).
 */
record LayerNorm(float[] gamma, float[] beta, float eps) {

    void apply(float[] x, int rows) {
        int h = gamma.length;
        float[] d = new float[h];
        for (int r = 0; r < rows; r++) {
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
