package dev.weightclass.quant;

/**
 * Half-precision conversions exactly as ggml performs them (ggml-impl.h), so scales written into
 * quantized blocks and F16/BF16 tensors match llama.cpp bit for bit.
 *
 * <p>F16: round to nearest even, subnormals kept, overflow to infinity, every NaN becomes the
 * canonical quiet NaN {@code 0x7E00} with the input's sign. BF16: round to nearest even by
 * integer arithmetic, NaNs truncated and forced quiet.
 */
public final class Half {
    private Half() {}

    private static final float SCALE_TO_INF = 0x1.0p+112f;
    private static final float SCALE_TO_ZERO = 0x1.0p-110f;

    /** fp32 -> fp16 bits, ggml's branch-free algorithm (same results as IEEE RNE for non-NaN). */
    public static short fromFloat(float f) {
        float base = (Math.abs(f) * SCALE_TO_INF) * SCALE_TO_ZERO;
        int w = Float.floatToRawIntBits(f);
        int shl1W = w + w;
        int sign = w & 0x80000000;
        int bias = shl1W & 0xFF000000;
        if (Integer.compareUnsigned(bias, 0x71000000) < 0) bias = 0x71000000;
        base = Float.intBitsToFloat((bias >>> 1) + 0x07800000) + base;
        int bits = Float.floatToRawIntBits(base);
        int expBits = (bits >>> 13) & 0x00007C00;
        int mantissaBits = bits & 0x00000FFF;
        int nonsign = expBits + mantissaBits;
        int h = (sign >>> 16) | (Integer.compareUnsigned(shl1W, 0xFF000000) > 0 ? 0x7E00 : nonsign);
        return (short) h;
    }

    /** fp16 bits -> fp32 (exact). */
    public static float toFloat(short h) {
        return Float.float16ToFloat(h);
    }

    /** fp32 -> bf16 bits as ggml_compute_fp32_to_bf16. */
    public static short bf16FromFloat(float f) {
        int u = Float.floatToRawIntBits(f);
        if ((u & 0x7fffffff) > 0x7f800000) return (short) ((u >>> 16) | 64);
        return (short) ((u + (0x7fff + ((u >>> 16) & 1))) >>> 16);
    }

    /** bf16 bits -> fp32 (exact). */
    public static float bf16ToFloat(short h) {
        return Float.intBitsToFloat((h & 0xFFFF) << 16);
    }

    /** fp32 -> fp16 -> fp32, the value a scale has after being stored in a block. */
    static float roundTrip(float f) {
        return toFloat(fromFloat(f));
    }

    static void put(byte[] b, int off, short h) {
        b[off] = (byte) h;
        b[off + 1] = (byte) (h >> 8);
    }

    static short get(byte[] b, int off) {
        return (short) ((b[off] & 0xFF) | (b[off + 1] << 8));
    }

    /** Reads a little-endian fp16 at {@code off} as float. */
    static float getFloat(byte[] b, int off) {
        return toFloat(get(b, off));
    }

    /** Stores {@code f} as little-endian fp16 at {@code off}. */
    static void putFloat(byte[] b, int off, float f) {
        put(b, off, fromFloat(f));
    }
}
