package dev.weightclass.fit;

import java.util.Locale;

/** Number formatting shared by the fit and pick reports. */
public final class Format {
    private Format() {}

    public static String rate(double tokensPerSecond) {
        if (Double.isNaN(tokensPerSecond)) return "-";
        if (tokensPerSecond >= 100) return String.format(Locale.ROOT, "%.0f", tokensPerSecond);
        if (tokensPerSecond >= 10) return String.format(Locale.ROOT, "%.1f", tokensPerSecond);
        return String.format(Locale.ROOT, "%.2f", tokensPerSecond);
    }

    static String duration(double seconds) {
        if (Double.isNaN(seconds)) return "-";
        if (seconds < 60) return String.format(Locale.ROOT, "%.0f s", seconds);
        if (seconds < 3600) return String.format(Locale.ROOT, "%.1f min", seconds / 60);
        return String.format(Locale.ROOT, "%.1f h", seconds / 3600);
    }

    static double round(double v, int digits) {
        if (Double.isNaN(v) || Double.isInfinite(v)) return v;
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}
