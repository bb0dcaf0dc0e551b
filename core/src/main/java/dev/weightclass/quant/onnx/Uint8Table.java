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

    static Params params(MemorySegment seg) {
        long n = seg.byteSize() / 4;
        float lo = 0, hi = 0;
        float[] buf = new float[CHUNK];
        for (long at = 0; at < n; at += CHUNK) {
            int c = (int) Math.min(CHUNK, n - at);
            WeightView.floats(seg, 4 * at, buf, c);
            for (int i = 0; i < c; i++) {
                lo = Math.min(lo, buf[i]);
                hi = Math.max(hi, buf[i]);
            }
        }
        float scale = (hi - lo) / 255f;
        if (scale == 0) return new Params(1f, 0);
        int zp = (int) Math.max(0, Math.min(255, Math.rint(-lo / scale)));
        return new Params(scale, zp);
    }

    static void write(MemorySegment seg, Params p, CodedOutputStream out) throws IOException {
        long n = seg.byteSize() / 4;
        float[] buf = new float[CHUNK];
        byte[] q = new byte[CHUNK];
        for (long at = 0; at < n; at += CHUNK) {
            int c = (int) Math.min(CHUNK, n - at);
            WeightView.floats(seg, 4 * at, buf, c);
            for (int i = 0; i < c; i++) {
                q[i] = (byte) Math.max(0, Math.min(255, Math.rint(buf[i] / p.scale()) + p.zeroPoint()));
            }
            out.writeRawBytes(q, 0, c);
        }
    }
}
