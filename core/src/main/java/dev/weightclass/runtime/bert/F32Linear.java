package dev.weightclass.runtime.bert;

import java.lang.foreign.MemorySegment;

/**
 * A float32 dense layer reading its weight from the mapped file.
 *
 * @param w        the weight's bytes: [in, out] when {@code inMajor} (ONNX MatMul), else [out, in] (PyTorch Linear)
 * @param inMajor  storage order of {@code w}
 * @param bias     [out], or null
 */
record F32Linear(String name, MemorySegment w, boolean inMajor, int in, int out, float[] bias) implements Linear {

    @Override
    public String kind() { return "f32"; }

    @Override
    public void forward(LinearInput input, float[] y, BertKernels kernels, Parallel parallel) {
        int rows = input.rows();
        float[] x = input.x;
        parallel.split(out, COLUMN_ALIGN, (n0, n1) -> {
            if (inMajor) kernels.gemmInOut(x, rows, in, w, out, y, n0, n1);
            else kernels.gemmOutIn(x, rows, in, w, out, y, n0, n1);
            Linear.addBias(y, rows, out, bias, n0, n1);
        });
    }
}
