package dev.weightclass.fit;

import java.util.List;
import java.util.Locale;

/**
 * Variant quality order and a relative score loss per type. The order follows llama.cpp's
 * published perplexity increase per quantization type (llama-quantize's type list; KL divergence
 * in the golden README agrees on the order); the loss fractions are a heuristic reading of the
 * same tables (docs/MEMORY.md), used only to trade a bigger model at fewer bits against a smaller
 * one at more bits in {@code pick}.
 */
public final class Quality {
    private Quality() {}

    /** Best first. Full-precision types tie in quality; smaller wins the tie elsewhere. */
    private static final List<String> ORDER = List.of(
            "F32", "FP32", "F16", "FP16", "BF16", "Q8_0", "INT8", "Q6_K", "Q5_K_M", "Q5_K_S", "Q5_1", "Q5_0",
            "Q4_K_M", "IQ4_XS", "Q4_K_S", "IQ4_NL", "Q4_1", "INT4", "Q4", "Q4_0", "Q3_K_L", "Q3_K_M", "Q3_K_S", "Q2_K");

    private static final double[] LOSS = {
            0, 0, 0, 0, 0, 0.001, 0.004, 0.002, 0.005, 0.007, 0.008, 0.010,
            0.015, 0.017, 0.020, 0.022, 0.030, 0.035, 0.035, 0.040, 0.045, 0.055, 0.080, 0.150};

    /** Smaller is better; unknown types rank after all known ones. */
    public static int rank(String type) {
        int i = ORDER.indexOf(type.toUpperCase(Locale.ROOT));
        if (i < 0) return ORDER.size();
        // the full-precision types tie
        return i <= 4 ? 0 : i;
    }

    /** Estimated relative loss of a benchmark score from quantizing to this type. */
    public static double loss(String type) {
        int i = ORDER.indexOf(type.toUpperCase(Locale.ROOT));
        return i < 0 ? 0.2 : LOSS[i];
    }
}
