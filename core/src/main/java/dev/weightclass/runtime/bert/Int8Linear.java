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
    public void forward(LinearInput input, float[] y, BertKernels kernels, Parallel parallel) {
        int rows = input.rows();
        LinearInput.Quantized quantized = input.quantized(kernels, parallel);
        float[] xq = quantized.q(), rowScale = quantized.rowScale();
        parallel.split(out, VectorBertKernels.INT8_TILE,
                (n0, n1) -> kernels.gemmInt8(xq, rows, in, w, unsigned, zeroPoint, out, rowScale, scale, bias, y, n0, n1));
    }
}
