package dev.weightclass.quant;

/**
 * The rounding and clamping idioms of ggml-quants.c, translated literally: they differ from
 * Java's own ({@code Math.round} rounds halves up, C {@code roundf} away from zero,
 * {@code nearest_int} to even), and byte-exactness depends on each being used where the
 * reference uses it.
 */
final class Ggml {
    private Ggml() {}

    static final float GROUP_MAX_EPS = 1e-15f;

    /** ggml's nearest_int: adds 1.5*2^23 so the FPU rounds half to even. Valid for |f| <= 4194303. */
    static int nearestInt(float f) {
        float val = f + 12582912.f;
        return (Float.floatToRawIntBits(val) & 0x007fffff) - 0x00400000;
    }

    /** C roundf: halves away from zero (computed in double, where |x| + 0.5 is exact). */
    static float roundf(float x) {
        if (Float.isNaN(x) || Float.isInfinite(x)) return x;
        double a = Math.floor(Math.abs((double) x) + 0.5);
        return (float) Math.copySign(a, x);
    }

    /** C (int8_t) of an int: keeps the low 8 bits, signed. */
    static int toInt8(int v) { return (byte) v; }

    /** C (int8_t) of a float in int8 range: truncation toward zero. */
    static int truncToInt8(float f) { return (byte) (int) f; }

    /** C (uint8_t) of a float in uint8 range: truncation toward zero. */
    static int truncToUint8(float f) { return ((int) f) & 0xFF; }

    /** MAX(a, b) macro: {@code a > b ? a : b}. */
    static float max(float a, float b) { return a > b ? a : b; }

    static int maxI(int a, int b) { return a > b ? a : b; }

    static int minI(int a, int b) { return a < b ? a : b; }
}
