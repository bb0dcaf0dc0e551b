package dev.weightclass.size;

import dev.weightclass.quant.QuantPlan;

import java.util.List;

/**
 * GGUF file arithmetic: a fixed 24-byte preamble, the key/value pairs, one info record per
 * tensor, padding to the alignment, then every tensor's data padded to the alignment (llama.cpp
 * pads after the last tensor too).
 */
public final class GgufLayout {
    private GgufLayout() {}

    public static final int DEFAULT_ALIGNMENT = 32;

    /** Bytes of one tensor info record: name, n_dims, dims, type, offset. */
    public static long tensorInfoBytes(String name, int dims) {
        return 8 + utf8(name) + 4 + 8L * dims + 4 + 8;
    }

    /** The file size for the given metadata bytes (all key/value pairs encoded) and planned tensors. */
    public static long fileBytes(long kvBytes, List<QuantPlan.Decision> tensors, int alignment) {
        long header = 4 + 4 + 8 + 8 + kvBytes;
        long data = 0;
        for (QuantPlan.Decision d : tensors) {
            header += tensorInfoBytes(d.name(), QuantPlan.ggmlDims(d.shape()));
            data += pad(d.bytes(), alignment);
        }
        return pad(header, alignment) + data;
    }

    public static long pad(long n, long alignment) {
        return (n + alignment - 1) / alignment * alignment;
    }

    static long utf8(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }

    /** Encoded size of a string key/value pair. */
    public static long stringKv(String key, String value) {
        return 8 + utf8(key) + 4 + 8 + utf8(value);
    }

    /** Encoded size of a scalar key/value pair with a value of {@code valueBytes}. */
    public static long scalarKv(String key, int valueBytes) {
        return 8 + utf8(key) + 4 + valueBytes;
    }
}
