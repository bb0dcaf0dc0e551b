package dev.weightclass.size;

import java.util.Locale;

/** Byte counts for people: binary units (KiB, MiB, GiB) with three significant digits. */
public final class Bytes {
    private Bytes() {}

    public static String human(long bytes) {
        if (bytes < 1024) return bytes + " B";
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : v >= 10 ? "%.1f %s" : "%.2f %s", v, units[u]);
    }

    /**
     * A byte count as people write it: {@code 600000000}, {@code 600,000,000}, {@code 600MB},
     * {@code 1.5GiB} (KB/MB/GB powers of 1000, KiB/MiB/GiB powers of 1024, K/M/G as KiB/MiB/GiB).
     */
    public static long parse(String text) {
        String s = text.trim().replace(",", "").replace("_", "");
        int i = 0;
        while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) i++;
        String unit = s.substring(i).trim().toUpperCase(Locale.ROOT);
        long scale = switch (unit) {
            case "", "B" -> 1;
            case "KB" -> 1000L;
            case "MB" -> 1000_000L;
            case "GB" -> 1000_000_000L;
            case "K", "KIB" -> 1L << 10;
            case "M", "MIB" -> 1L << 20;
            case "G", "GIB" -> 1L << 30;
            default -> -1;
        };
        double v;
        try {
            v = Double.parseDouble(s.substring(0, i));
        } catch (NumberFormatException e) {
            v = -1;
        }
        if (scale < 0 || v < 0 || i == 0) {
            throw new dev.weightclass.WeightclassException("not a byte count: '" + text + "' (e.g. 600000000, 600MB, 1.5GiB)");
        }
        return (long) Math.floor(v * scale);
    }
}
