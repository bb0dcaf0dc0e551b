package dev.weightclass.size;

import dev.weightclass.WeightclassException;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Tokenizer families and the mean string lengths of their GGUF arrays. "Measured" figures come
 * from llama.cpp's vocabulary files for that tokenizer (ggml-vocab-llama-spm, -gpt-2, -bert-bge);
 * the others are byte-level BPE or SentencePiece vocabularies assumed to look like their
 * measured cousins.
 */
public final class TokenizerFamilies {
    private TokenizerFamilies() {}

    private record Family(String model, double avgToken, int merges, double avgMerge, boolean scores, boolean measured) {}

    private static final Map<String, Family> FAMILIES = new LinkedHashMap<>();
    static {
        // measured: 32,000 tokens, mean 6.591 bytes (ggml-vocab-llama-spm.gguf)
        FAMILIES.put("llama-spm", new Family("llama", 6.591, 0, 0, true, true));
        // measured: 50,257 tokens mean 7.098 bytes, 50,000 merges mean 8.127 bytes (ggml-vocab-gpt-2.gguf)
        FAMILIES.put("gpt2-bpe", new Family("gpt2", 7.098, 50_000, 8.127, false, true));
        // measured: 30,522 tokens, mean 8.532 bytes (ggml-vocab-bert-bge.gguf)
        FAMILIES.put("bert-wordpiece", new Family("bert", 8.532, 0, 0, false, true));
        // byte-level BPE like GPT-2's (tiktoken-style for Llama 3, Qwen2); merge counts from their tokenizer.json
        FAMILIES.put("llama3-bpe", new Family("gpt2", 7.098, 280_147, 8.127, false, false));
        FAMILIES.put("qwen2-bpe", new Family("gpt2", 7.098, 151_387, 8.127, false, false));
        FAMILIES.put("smollm-bpe", new Family("gpt2", 7.098, 48_900, 8.127, false, false));
        // SentencePiece with scores, like Llama's
        FAMILIES.put("gemma-spm", new Family("llama", 6.591, 0, 0, true, false));
    }

    public static boolean known(String family) { return FAMILIES.containsKey(family); }

    /** The estimate for a family, with the model's vocabulary size and chat template length. */
    public static TokenizerEstimate estimate(String family, int tokens, int chatTemplateBytes) {
        Family f = FAMILIES.get(family);
        if (f == null) throw new WeightclassException("unknown tokenizer family '" + family + "' (one of " + FAMILIES.keySet() + ")");
        return new TokenizerEstimate(family, f.model, tokens, f.avgToken, f.merges, f.avgMerge, f.scores, chatTemplateBytes, f.measured);
    }

    /** The family a config without a tokenizer most likely uses. */
    public static String guess(String modelType, int vocab) {
        return switch (modelType) {
            case "llama", "mistral" -> vocab == 128_256 ? "llama3-bpe" : vocab == 49_152 ? "smollm-bpe"
                    : vocab <= 32_768 ? "llama-spm" : "gpt2-bpe";
            case "qwen2" -> "qwen2-bpe";
            case "gemma", "gemma2" -> "gemma-spm";
            case "phi", "gpt2" -> "gpt2-bpe";
            case "phi3" -> "llama-spm";
            case "bert", "distilbert" -> "bert-wordpiece";
            default -> "gpt2-bpe";
        };
    }
}
