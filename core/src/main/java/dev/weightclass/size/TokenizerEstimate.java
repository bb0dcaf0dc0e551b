package dev.weightclass.size;

import java.util.Locale;

/**
 * The tokenizer a GGUF header would hold, estimated when no tokenizer file is at hand: token
 * strings, scores, token types and BPE merges are most of a GGUF header.
 *
 * @param family         e.g. "llama-spm", "gpt2-bpe"
 * @param model          tokenizer.ggml.model ("llama", "gpt2", "bert")
 * @param tokens         entries in tokenizer.ggml.tokens (the converter pads to the model's vocab)
 * @param avgTokenBytes  mean UTF-8 length of a token string
 * @param merges         BPE merges (0 for SentencePiece / WordPiece)
 * @param avgMergeBytes  mean UTF-8 length of a merge string
 * @param scores         SentencePiece vocabularies store a float score per token
 * @param chatTemplateBytes length of tokenizer.chat_template (0 when none)
 * @param measured       true when the averages were measured on a real vocabulary of this family
 */
public record TokenizerEstimate(String family, String model, int tokens, double avgTokenBytes, int merges,
                                double avgMergeBytes, boolean scores, int chatTemplateBytes, boolean measured) {

    /** Bytes of the tokenizer key/value pairs in a GGUF header (keys, types and values). */
    public long ggufBytes() {
        long b = array("tokenizer.ggml.tokens", tokens, 8 + avgTokenBytes);
        b += array("tokenizer.ggml.token_type", tokens, 4);
        if (scores) b += array("tokenizer.ggml.scores", tokens, 4);
        if (merges > 0) b += array("tokenizer.ggml.merges", merges, 8 + avgMergeBytes);
        if (chatTemplateBytes > 0) b += key("tokenizer.chat_template") + 4 + 8 + chatTemplateBytes;
        return b;
    }

    /** The key/value pairs {@link #ggufBytes()} counts (tokens, token_type, ...). */
    public int ggufKeys() {
        return 2 + (scores ? 1 : 0) + (merges > 0 ? 1 : 0) + (chatTemplateBytes > 0 ? 1 : 0);
    }

    private static long array(String key, long n, double bytesEach) {
        return key(key) + 4 + 4 + 8 + Math.round(n * bytesEach);
    }

    static long key(String k) { return 8 + k.length(); }

    public String describe() {
        return String.format(Locale.ROOT, "%s tokenizer, %,d tokens%s (%s)", family, tokens,
                merges > 0 ? String.format(Locale.ROOT, ", %,d merges", merges) : "",
                measured ? "string lengths measured on a real vocabulary of this family"
                        : "string lengths estimated");
    }
}
