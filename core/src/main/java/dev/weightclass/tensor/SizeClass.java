package dev.weightclass.tensor;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * The size-class label of a parameter count, computed as GGUF's {@code general.size_label} is:
 * the count scaled to K/M/B/T (a unit is used once the count is above it) and shown with at
 * least two significant digits: 6,738,415,616 -> "6.7B", 230,976 -> "231K", 22,713,216 ->
 * "23M". A mixture of experts is labelled {@code COUNTxSIZE}, SIZE being the shared parameters
 * plus one expert's ("8x7.2B").
 */
public final class SizeClass {
    private SizeClass() {}

    /** Label of a dense model. */
    public static String label(long parameters) {
        return rounded(Math.abs(parameters));
    }

    /**
     * Label of a mixture-of-experts model.
     *
     * @param sharedParameters parameters outside the experts
     * @param oneExpertParameters parameters of one expert, summed over the layers
     * @param expertCount experts per layer
     */
    public static String moeLabel(long sharedParameters, long oneExpertParameters, int expertCount) {
        return expertCount + "x" + rounded(Math.abs(sharedParameters) + Math.abs(oneExpertParameters));
    }

    private static String rounded(long n) {
        BigDecimal v = BigDecimal.valueOf(n);
        String suffix;
        if (n > 1_000_000_000_000L) { v = v.movePointLeft(12); suffix = "T"; }
        else if (n > 1_000_000_000L) { v = v.movePointLeft(9); suffix = "B"; }
        else if (n > 1_000_000L) { v = v.movePointLeft(6); suffix = "M"; }
        else { v = v.movePointLeft(3); suffix = "K"; }
        // Two significant digits at least: as many decimals as the integer part lacks.
        String integer = v.setScale(0, RoundingMode.HALF_EVEN).toPlainString().replaceFirst("^0+", "");
        int decimals = Math.max(2 - integer.length(), 0);
        return v.setScale(decimals, RoundingMode.HALF_EVEN).toPlainString() + suffix;
    }
}
