package dev.weightclass.runtime.bert;

/**
 * ONNX DynamicQuantizeLinear to uint8 as ONNX Runtime computes it: the range is widened to
 * include 0, {@code scale = (max - min) / 255} (1 when max == min),
 * {@code zp = roundHalfEven(clamp(-min / scale, 0, 255))},
 * {@code q = clamp(roundHalfEven(x / scale) + zp, 0, 255)}.
 */
final class DynamicQuantization {
    private DynamicQuantization() {}

    /** Quantizes {@code x[from, to)} into {@code q[from, to)} as {@code q - zp} (floats); returns the scale. */
    static float quantize(float[] x, int from, int to, float[] q) {
        float min = 0, max = 0;
        for (int i = from; i < to; i++) {
            min = Math.min(min, x[i]);
            max = Math.max(max, x[i]);
        }
        float scale = scale(min, max), zp = zeroPoint(min, scale);
        for (int i = from; i < to; i++) q[i] = level(x[i], scale, zp);
        return scale;
    }

    /** The scale of a range that already includes 0. */
    static float scale(float min, float max) {
        return max == min ? 1f : (max - min) / 255f;
    }

    static float zeroPoint(float min, float scale) {
        return (float) Math.rint(Math.max(0f, Math.min(255f, 0f - min / scale)));
    }

    /** One value's level minus the zero point. */
    static float level(float x, float scale, float zp) {
        float v = (float) Math.rint(x / scale) + zp;
        return Math.max(0f, Math.min(255f, v)) - zp;
    }
}
