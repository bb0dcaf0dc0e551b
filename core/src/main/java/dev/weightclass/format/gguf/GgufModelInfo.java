package dev.weightclass.format.gguf;

import dev.weightclass.format.Hyperparameters;
import dev.weightclass.format.TokenizerInfo;
import dev.weightclass.tensor.TensorInfo;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Hyperparameters and tokenizer facts from GGUF's {@code {arch}.*} and {@code tokenizer.*} keys. */
final class GgufModelInfo {
    private GgufModelInfo() {}

    static Hyperparameters hyperparameters(Map<String, GgufValue> kv, List<TensorInfo> tensors, Set<String> names) {
        GgufValue archValue = kv.get("general.architecture");
        if (archValue == null || archValue.type() != GgufValueType.STRING) {
            if (tensors.isEmpty()) return Hyperparameters.UNKNOWN;
        }
        String arch = archValue != null && archValue.type() == GgufValueType.STRING ? archValue.asString() : "unknown";
        String p = arch + ".";
        int vocab = integer(kv, p + "vocab_size");
        if (vocab == 0) {
            GgufValue tokens = kv.get("tokenizer.ggml.tokens");
            if (tokens != null && tokens.isArray()) vocab = tokens.size();
        }
        Optional<TensorInfo> embd = tensors.stream().filter(t -> t.name().equals("token_embd.weight")).findFirst();
        if (vocab == 0 && embd.isPresent() && embd.get().rank() == 2) vocab = (int) embd.get().dim(0);
        Boolean tied = embd.isPresent() ? !names.contains("output.weight") : null;
        return new Hyperparameters(arch, integer(kv, p + "block_count"), integer(kv, p + "embedding_length"),
                integer(kv, p + "attention.head_count"), integer(kv, p + "attention.head_count_kv"),
                integer(kv, p + "attention.key_length"), integer(kv, p + "feed_forward_length"), vocab,
                integer(kv, p + "context_length"), tied).normalized();
    }

    /**
     * An integer key; 0 when absent or not an integer. Some architectures give per-layer arrays
     * (head counts, FFN widths): the largest element stands for the model.
     */
    static int integer(Map<String, GgufValue> kv, String key) {
        GgufValue v = kv.get(key);
        if (v == null) return 0;
        long n = 0;
        if (v.type().isInteger()) n = v.asLong();
        else if (v.isArray() && v.elementType().isInteger()) {
            for (Object o : v.asList()) n = Math.max(n, ((Number) o).longValue());
        }
        return n < 0 || n > Integer.MAX_VALUE ? 0 : (int) n;
    }

    static Optional<TokenizerInfo> tokenizer(Map<String, GgufValue> kv) {
        GgufValue model = kv.get("tokenizer.ggml.model");
        GgufValue tokens = kv.get("tokenizer.ggml.tokens");
        if (model == null && tokens == null) return Optional.empty();
        String kind = model != null && model.type() == GgufValueType.STRING ? model.asString() : "unknown";
        int vocab = tokens != null && tokens.isArray() ? tokens.size() : 0;
        GgufValue merges = kv.get("tokenizer.ggml.merges");
        int nMerges = merges != null && merges.isArray() ? merges.size() : 0;
        long bytes = 0;
        for (Map.Entry<String, GgufValue> e : kv.entrySet()) {
            if (e.getKey().startsWith("tokenizer.")) bytes += entrySize(e.getKey(), e.getValue());
        }
        return Optional.of(new TokenizerInfo(kind, vocab, nMerges, bytes));
    }

    /** Bytes one metadata entry takes in the header: key, type tag, value. */
    static long entrySize(String key, GgufValue v) {
        return 8L + key.getBytes(StandardCharsets.UTF_8).length + 4 + v.encodedSize();
    }
}
