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

    /** About 1 MB of float input per chunk of work. */
    static int perChunk(int width) { return Math.max(1, (1 << 18) / Math.max(1, width)); }

    static int chunkCount(int total, int per) { return (total + per - 1) / per; }

    /** One pass over the weight: the scale of every output channel (maxima combine in any order: same result). */
    static float[] scales(WeightView w, int qmax, Chunks chunks) throws IOException {
        float[] absmax = new float[w.n()];
        if (w.outputMajor()) {
            int per = perChunk(w.k());
            chunks.inOrder(chunkCount(w.n(), per), c -> {
                float[] row = new float[w.k()];
                for (int j = c * per; j < Math.min(w.n(), (c + 1) * per); j++) {
                    w.outputRow(j, row);
                    float m = 0;
                    for (float v : row) m = Math.max(m, Math.abs(v));
                    absmax[j] = m; // chunks own disjoint channels
                }
                return null;
            }, none -> {});
        } else {
            int per = perChunk(w.n());
            chunks.inOrder(chunkCount(w.k(), per), c -> {
                float[] row = new float[w.n()], part = new float[w.n()];
                for (int i = c * per; i < Math.min(w.k(), (c + 1) * per); i++) {
                    w.inputRow(i, row);
                    for (int j = 0; j < row.length; j++) part[j] = Math.max(part[j], Math.abs(row[j]));
                }
                return part;
            }, part -> {
                for (int j = 0; j < part.length; j++) absmax[j] = Math.max(absmax[j], part[j]);
            });
        }
        float[] scales = new float[w.n()];
        for (int j = 0; j < scales.length; j++) scales[j] = absmax[j] == 0 ? 1f : absmax[j] / qmax;
        return scales;
    }

    /** The quantized weight as MatMulInteger takes it: int8 [K, N], row by row. */
    static void write(WeightView w, float[] scales, int qmax, CodedOutputStream out, Chunks chunks) throws IOException {
        int per = perChunk(w.n());
        chunks.inOrder(chunkCount(w.k(), per), c -> {
            int first = c * per, rows = Math.min(per, w.k() - first);
            float[] row = new float[w.n()];
            byte[] q = new byte[rows * w.n()];
            for (int r = 0; r < rows; r++) {
                w.inputRow(first + r, row);
                for (int j = 0, at = r * w.n(); j < row.length; j++) q[at + j] = quantize(row[j], scales[j], qmax);
            }
            return q;
        }, q -> {
            out.writeRawBytes(q);
            chunks.done(4L * q.length);
        });
    }

    static byte quantize(float x, float scale, int qmax) {
        float r = (float) Math.rint(x / scale);
        return (byte) Math.max(-qmax, Math.min(qmax, r));
    }
}
