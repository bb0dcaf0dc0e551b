package dev.weightclass.quant.onnx;

import com.google.protobuf.CodedOutputStream;

import java.io.IOException;

/**
 * 4-bit symmetric blocks for com.microsoft MatMulNBits: along the input dimension K, blocks of
 * {@value #BLOCK} values (the last one zero-padded) share a float scale. Within a block, the value
 * of largest magnitude {@code m} sets {@code scale = m / -8}, and each value is stored as
 * {@code q = clamp(round(x / scale) + 8, 0, 15)}: m itself maps to 0, i.e. exactly back to m, and
 * no zero point is stored (the operator's default is 8). B is uint8 [N, blocks, 16], two values
 * per byte, the lower index in the low nibble; scales are float [N * blocks].
 */
final class Int4Blocks {
    private Int4Blocks() {}

    static final int BLOCK = 32, BLOB = BLOCK / 2;

    /** Output channels read per pass, so that an input-major weight is read in contiguous runs. */
    private static final int BAND = 64;

    static int blocks(int k) { return (k + BLOCK - 1) / BLOCK; }

    /** Writes B channel by channel, a band of channels per chunk of work; returns the scales [N * blocks]. */
    static float[] write(WeightView w, CodedOutputStream out, Chunks chunks) throws IOException {
        int k = w.k(), blocks = blocks(k);
        float[] scales = new float[Math.multiplyExact(w.n(), blocks)];
        chunks.inOrder(Int8Channels.chunkCount(w.n(), BAND), c -> {
            int n0 = c * BAND, width = Math.min(BAND, w.n() - n0);
            float[] band = new float[Math.multiplyExact(k, width)];
            float[] column = new float[blocks * BLOCK];
            byte[] packed = new byte[Math.multiplyExact(width, blocks * BLOB)];
            w.outputBand(n0, width, band);
            for (int j = 0; j < width; j++) {
                for (int i = 0; i < k; i++) column[i] = band[i * width + j];
                for (int b = 0; b < blocks; b++) { // chunks own disjoint channels of scales
                    scales[(n0 + j) * blocks + b] = quantizeBlock(column, b * BLOCK, packed, (j * blocks + b) * BLOB);
                }
            }
            return packed;
        }, packed -> {
            out.writeRawBytes(packed);
            chunks.done(4L * k * (packed.length / ((long) blocks * BLOB)));
        });
        return scales;
    }

    /** Quantizes x[from, from+32) into 16 bytes at dst[at]; returns the block's scale. */
    static float quantizeBlock(float[] x, int from, byte[] dst, int at) {
        float max = 0, amax = 0;
        for (int i = from; i < from + BLOCK; i++) {
            float a = Math.abs(x[i]);
            if (a > amax) {
                amax = a;
                max = x[i];
            }
        }
        float scale = max / -8;
        float inv = scale == 0 ? 0 : 1 / scale;
        for (int i = 0; i < BLOB; i++) {
            int lo = code(x[from + 2 * i], inv), hi = code(x[from + 2 * i + 1], inv);
            dst[at + i] = (byte) (lo | hi << 4);
        }
        return scale;
    }

    private static int code(float x, float inv) {
        return Math.max(0, Math.min(15, Math.round(x * inv) + 8));
    }
}
