package dev.weightclass.runtime.bert;

/**
 * The packed token rows a dense layer reads ({@code x} is [rows, width]; sentence {@code s} is rows
 * {@code [starts[s], starts[s + 1])}), with their int8 form made once, when the first int8 layer
 * asks: query, key and value read the same rows and share it.
 */
final class LinearInput {
    final float[] x;
    final int[] starts;
    final int sentences;
    final int width;
    private final float[] buffer;
    private Quantized quantized;

    /** @param buffer where the int8 form goes if it is long enough (the caller's reused memory), or null */
    LinearInput(float[] x, int[] starts, int sentences, int width, float[] buffer) {
        this.x = x;
        this.starts = starts;
        this.sentences = sentences;
        this.width = width;
        this.buffer = buffer;
    }

    int rows() { return starts[sentences]; }

    /**
     * @param q        [rows, width] (or longer): each sentence quantized on its own, as DynamicQuantizeLinear
     *                 does on a one-sentence input, minus its zero point
     * @param rowScale the scale of each row's sentence
     */
    record Quantized(float[] q, float[] rowScale) {}

    Quantized quantized(BertKernels kernels, Parallel parallel) {
        if (quantized != null) return quantized;
        int rows = rows();
        float[] scale = new float[sentences], zp = new float[sentences];
        parallel.split(sentences, 1, (s0, s1) -> {
            float[] range = new float[2];
            for (int s = s0; s < s1; s++) {
                kernels.range(x, starts[s] * width, starts[s + 1] * width, range);
                scale[s] = DynamicQuantization.scale(range[0], range[1]);
                zp[s] = DynamicQuantization.zeroPoint(range[0], scale[s]);
            }
        });
        float[] rowScale = new float[rows], rowZp = new float[rows];
        for (int s = 0; s < sentences; s++) {
            for (int r = starts[s]; r < starts[s + 1]; r++) {
                rowScale[r] = scale[s];
                rowZp[r] = zp[s];
            }
        }
        float[] q = buffer != null && buffer.length >= rows * width ? buffer : new float[rows * width];
        parallel.split(rows, 4, (r0, r1) -> {
            for (int r = r0; r < r1; r++) kernels.quantize(x, r * width, (r + 1) * width, rowScale[r], rowZp[r], q);
        });
        return quantized = new Quantized(q, rowScale);
    }
}
