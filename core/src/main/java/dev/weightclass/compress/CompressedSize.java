package dev.weightclass.compress;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a file weighs after compression.
 *
 * @param codec       compressor and level
 * @param inputBytes  bytes read
 * @param bytes       compressed bytes: the sum of independently compressed chunks, each a valid
 *                    stream of its own (gzip members and zstd frames concatenate into one valid file)
 * @param chunkBytes  chunk length
 * @param seconds     wall time spent compressing
 * @param threads     threads used
 */
public record CompressedSize(Codec.Level codec, long inputBytes, long bytes, long chunkBytes, double seconds, int threads) {

    public double ratio() { return inputBytes == 0 ? 1 : (double) bytes / inputBytes; }

    /** Input gigabytes (10^9 bytes) per second of wall time. */
    public double gigabytesPerSecond() { return seconds <= 0 ? 0 : inputBytes / seconds / 1e9; }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("codec", codec.codec().id());
        m.put("level", codec.level());
        m.put("input_bytes", inputBytes);
        m.put("bytes", bytes);
        m.put("ratio", Math.round(ratio() * 10000) / 10000.0);
        m.put("chunk_bytes", chunkBytes);
        m.put("threads", threads);
        m.put("seconds", Math.round(seconds * 1000) / 1000.0);
        m.put("gb_per_s", Math.round(gigabytesPerSecond() * 1000) / 1000.0);
        return m;
    }
}
