package dev.weightclass.runtime.bert;

/** {@code y = (x - mean) / sqrt(var + eps) * gamma + beta} over each row of width {@code gamma.length}. */
record LayerNorm(float[] gamma, float[] beta, float eps) {

    void apply(float[] x, int rows) {
        int h = gamma.length;
        for (int r = 0; r < rows; r++) {
            int o = r * h;
            double sum = 0;
            for (int i = 0; i < h; i++) sum += x[o + i];
            float mean = (float) (sum / h);
            double sq = 0;
            for (int i = 0; i < h; i++) {
                float d = x[o + i] - mean;
                sq += d * d;
            }
            float std = (float) Math.sqrt((float) (sq / h) + eps);
            for (int i = 0; i < h; i++) x[o + i] = (x[o + i] - mean) / std * gamma[i] + beta[i];
        }
    }
}
