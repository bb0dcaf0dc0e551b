package dev.weightclass.quant.onnx;

import com.google.protobuf.CodedOutputStream;

import java.io.IOException;

/**
 * Per-output-channel symmetric int8, the weight side of ONNX Runtime's dynamic quantization:
 * for channel n, {@code scale[n] = max|W(., n)| / qmax}, {@code q = rint(w / scale[n])} clamped to
 * [-qmax, qmax], zero point 0. qmax is 127, or 64 with reduced range (7-bit weights, which keep
 * x86 CPUs without VNNI from saturating 16-bit sums of uint8 x int8 products).
 */
final class Int8Channels {
    private Int8Channels() {}

    static final int QMAX = 127, QMAX_REDUCED = 64;

    /** One pass over the weight: the scale of every output channel. */
    static float[] scales(WeightView w, int qmax) {
        float[] absmax = new float[w.n()];
        if (w.outputMajor()) {
            float[] row = new float[w.k()];
            for (int j = 0; j < w.n(); j++) {
                w.outputRow(j, row);
                float m = 0;
                for (float v : row) m = Math.max(m, Math.abs(v));
                absmax[j] = m;
            }
        } else {
            float[] row = new float[w.n()];
            for (int i = 0; i < w.k(); i++) {
                w.inputRow(i, row);
                for (int j = 0; j < row.length; j++) absmax[j] = Math.max(absmax[j], Math.abs(row[j]));
            }
        }
        float[] scales = new float[w.n()];
        for (int j = 0; j < scales.length; j++) scales[j] = absmax[j] == 0 ? 1f : absmax[j] / qmax;
        return scales;
    }

    /** The quantized weight as MatMulInteger takes it: int8 [K, N], row by row. */
    static void write(WeightView w, float[] scales, int qmax, CodedOutputStream out) throws IOException {
        float[] row = new float[w.n()];
        byte[] q = new byte[w.n()];
        for (int i = 0; i < w.k(); i++) {
            w.inputRow(i, row);
            for (int j = 0; j < row.length; j++) q[j] = quantize(row[j], scales[j], qmax);
            out.writeRawBytes(q);
        }
    }

    static byte quantize(float x, float scale, int qmax) {
        float r = (float) Math.rint(x / scale);
        return (byte) Math.max(-qmax, Math.min(qmax, r));
    }
}
