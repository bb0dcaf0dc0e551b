package dev.weightclass.runtime.bert;

/**
 * One dense layer {@code y = x W + b} applied to the packed token rows of a batch
 * ({@code x} is [rows, in], {@code y} is [rows, out]); per-sentence work (dynamic quantization)
 * needs to know where each sentence's rows are, which {@link LinearInput} says.
 */
sealed interface Linear permits F32Linear, Int8Linear {
    int in();

    int out();

    /** "f32" or "int8", for reports. */
    String kind();

    void forward(LinearInput x, float[] y, BertKernels kernels, Parallel parallel);

    /** Columns per task: a multiple of the vector kernels' register tile. */
    int COLUMN_ALIGN = 48;

    static void addBias(float[] y, int rows, int n, float[] bias, int n0, int n1) {
        if (bias == null) return;
        for (int r = 0; r < rows; r++) {
            int o = r * n;
            for (int c = n0; c < n1; c++) y[o + c] = bias[c] + y[o + c];
        }
    }
}
