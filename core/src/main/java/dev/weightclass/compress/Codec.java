package dev.weightclass.compress;

import dev.weightclass.WeightclassException;

import java.util.Locale;

/** The compressors a download can use, each with the level a server would typically pick. */
public enum Codec {
    /** Deflate in gzip members (HTTP Content-Encoding gzip); level 6 is gzip's default. */
    GZIP("gzip", 6, 1, 9),
    /** Brotli; quality 5 is what CDNs use for on-the-fly compression (11 is far too slow for GB files). */
    BROTLI("brotli", 5, 0, 11),
    /** Zstandard; level 3 is zstd's default. */
    ZSTD("zstd", 3, 1, 22);

    private final String id;
    private final int defaultLevel;
    private final int minLevel;
    private final int maxLevel;

    Codec(String id, int defaultLevel, int minLevel, int maxLevel) {
        this.id = id;
        this.defaultLevel = defaultLevel;
        this.minLevel = minLevel;
        this.maxLevel = maxLevel;
    }

    public String id() { return id; }

    public int defaultLevel() { return defaultLevel; }

    /** A codec with its level. */
    public record Level(Codec codec, int level) {
        @Override
        public String toString() { return codec.id + ":" + level; }
    }

    public Level at(int level) {
        if (level < minLevel || level > maxLevel) {
            throw new WeightclassException(id + " level " + level + " is out of range " + minLevel + ".." + maxLevel);
        }
        return new Level(this, level);
    }

    /** Parses "zstd", "gzip:9", "brotli:11". */
    public static Level parse(String spec) {
        String[] p = spec.trim().toLowerCase(Locale.ROOT).split(":", 2);
        Codec c = null;
        for (Codec k : values()) if (k.id.equals(p[0]) || (p[0].equals("gz") && k == GZIP) || (p[0].equals("br") && k == BROTLI)) c = k;
        if (c == null) throw new WeightclassException("unknown compressor '" + spec + "' (gzip, brotli or zstd, optionally :LEVEL)");
        if (p.length == 1) return c.at(c.defaultLevel);
        try {
            return c.at(Integer.parseInt(p[1]));
        } catch (NumberFormatException e) {
            throw new WeightclassException("bad level in '" + spec + "': expected a whole number");
        }
    }
}
