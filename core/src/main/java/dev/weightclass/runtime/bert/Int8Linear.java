package dev.weightclass.runtime.bert;

import java.lang.foreign.MemorySegment;

/**
 * An int8 dense layer with ONNX Runtime's dynamic quantization semantics
 * (DynamicQuantizeLinear -> MatMulInteger -> Cast -> Mul by scales -> Add bias): each sentence's
 * activations are quantized to uint8 with their own scale and zero point (ORT quantizes the whole
 * input tensor, which for one sentence is the same thing), multiplied with the int8 weight in
 * integers, and scaled back by {@code activationScale * weightScale[column]}.
 *
 * @param w        weight bytes, [in, out], int8 (or uint8 when {@code unsigned})
 * @param scale    per output column (or one value repeated)
 * @param zeroPoint per output column, as floats
 */
record Int8Linear(String name, MemorySegment w, boolean unsigned, int in, int out, float[] scale, float[] zeroPoint,
                  float[] bias) implements Linear {

    @Override
    public String kind() { return "int8"; }

    @Override
    public void forward(float[] x, int[] starts, int sentences, float[] y, BertKernels kernels, Parallel parallel) {
        int rows = starts[sentences];
        float[] xq = new float[rows * in];
        float[] rowScale = new float[rows];
        for (int s = 0; s < sentences; s++) {
            float a = DynamicQuantization.quantize(x, starts[s] * in, starts[s + 1] * in, xq);
            for (int r = starts[s]; r < starts[s + 1]; r++) rowScale[r] = a;
        }
        parallel.split(out, VectorBertKernels.INT8_TILE, (n0, n1) -> {
            kernels.gemmInt8(xq, rows, in, w, unsigned, zeroPoint, out, y, n0, n1);
            for (int r = 0; r < rows; r++) {
                int o = r * out;
                for (int c = n0; c < n1; c++) y[o + c] = y[o + c] * (rowScale[r] * scale[c]);
            }
            Linear.addBias(y, rows, out, bias, n0, n1);
        });
    }
}
