package dev.weightclass.compress;

import dev.weightclass.WeightclassException;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A network speed: bits per second ("50Mbps", "1.5 Gbit/s", "800kbps") or bytes per second
 * ("10MB/s", "512 KiB/s"). Decimal prefixes for bits and for MB/s, binary for KiB/MiB/GiB.
 */
public record Bandwidth(double bytesPerSecond, String label) {

    private static final Pattern P = Pattern.compile(
            "^\\s*([0-9]+(?:\\.[0-9]+)?)\\s*([kmgt]?i?)(bps|bit/s|b/s|byte/s)\\s*$", Pattern.CASE_INSENSITIVE);

    public static Bandwidth parse(String s) {
        Matcher m = P.matcher(s);
        if (!m.matches()) {
            throw new WeightclassException("bad bandwidth '" + s + "': use e.g. 50Mbps, 1Gbps, 800Kbps or 10MB/s");
        }
        double v = Double.parseDouble(m.group(1));
        String prefix = m.group(2).toLowerCase(Locale.ROOT);
        String unit = m.group(3);
        boolean binary = prefix.endsWith("i");
        double mult = switch (prefix.isEmpty() ? ' ' : prefix.charAt(0)) {
            case 'k' -> binary ? 1024.0 : 1e3;
            case 'm' -> binary ? 1024.0 * 1024 : 1e6;
            case 'g' -> binary ? 1024.0 * 1024 * 1024 : 1e9;
            case 't' -> binary ? 1024.0 * 1024 * 1024 * 1024 : 1e12;
            default -> 1;
        };
        // "bps" and "bit/s" are bits; "B/s" (capital B) and "byte/s" are bytes; lower-case "b/s" is bits
        boolean bytes = unit.equalsIgnoreCase("byte/s") || unit.equals("B/s");
        double bps = v * mult / (bytes ? 1 : 8);
        if (bps <= 0) throw new WeightclassException("bad bandwidth '" + s + "': must be positive");
        return new Bandwidth(bps, s.trim());
    }

    /** Seconds to move {@code bytes}. */
    public double seconds(long bytes) {
        return bytes / bytesPerSecond;
    }

    /** "42 s", "3 min 20 s", "1 h 05 min". */
    public static String human(double seconds) {
        if (seconds < 1) return String.format(Locale.ROOT, "%.2f s", seconds);
        if (seconds < 60) return String.format(Locale.ROOT, "%.0f s", seconds);
        long s = Math.round(seconds);
        if (s < 3600) return String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
        return String.format(Locale.ROOT, "%d h %02d min", s / 3600, (s % 3600) / 60);
    }
}
