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
        float scale = max == min ? 1f : (max - min) / 255f;
        float zp = (float) Math.rint(Math.max(0f, Math.min(255f, 0f - min / scale)));
        for (int i = from; i < to; i++) {
            float v = (float) Math.rint(x[i] / scale) + zp;
            q[i] = Math.max(0f, Math.min(255f, v)) - zp;
        }
        return scale;
    }
}
