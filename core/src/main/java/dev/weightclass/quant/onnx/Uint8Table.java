package dev.weightclass.quant.onnx;

import com.google.protobuf.CodedOutputStream;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * An embedding table (read by Gather) as uint8 with one scale and zero point for the whole
 * tensor, asymmetric over [min(0, lo), max(0, hi)] so that 0 stays exact:
 * {@code q = clamp(rint(x / scale) + zp, 0, 255)}, dequantized by DequantizeLinear after the Gather.
 */
final class Uint8Table {
    private Uint8Table() {}

    record Params(float scale, int zeroPoint) {}

    private static final int CHUNK = 1 << 16;

    static Params params(MemorySegment seg, Chunks chunks) throws IOException {
        long n = seg.byteSize() / 4;
        float[] range = {0, 0}; // min and max combine in any order: same result
        chunks.inOrder(chunkCount(n), c -> {
            long at = (long) c * CHUNK;
            int count = (int) Math.min(CHUNK, n - at);
            float[] buf = WeightView.floats(seg, 4 * at, new float[count], count);
            float lo = 0, hi = 0;
            for (int i = 0; i < count; i++) {
                lo = Math.min(lo, buf[i]);
                hi = Math.max(hi, buf[i]);
            }
            return new float[] {lo, hi};
        }, r -> {
            range[0] = Math.min(range[0], r[0]);
            range[1] = Math.max(range[1], r[1]);
        });
        float lo = range[0], hi = range[1];
        float scale = (hi - lo) / 255f;
        if (scale == 0) return new Params(1f, 0);
        int zp = (int) Math.max(0, Math.min(255, Math.rint(-lo / scale)));
        return new Params(scale, zp);
    }

    static void write(MemorySegment seg, Params p, CodedOutputStream out, Chunks chunks) throws IOException {
        long n = seg.byteSize() / 4;
        chunks.inOrder(chunkCount(n), c -> {
            long at = (long) c * CHUNK;
            int count = (int) Math.min(CHUNK, n - at);
            float[] buf = WeightView.floats(seg, 4 * at, new float[count], count);
            byte[] q = new byte[count];
            for (int i = 0; i < count; i++) {
                q[i] = (byte) Math.max(0, Math.min(255, Math.rint(buf[i] / p.scale()) + p.zeroPoint()));
            }
            return q;
        }, q -> {
            out.writeRawBytes(q);
            chunks.done(4L * q.length);
        });
    }

    private static int chunkCount(long n) { return Math.toIntExact((n + CHUNK - 1) / CHUNK); }
}
