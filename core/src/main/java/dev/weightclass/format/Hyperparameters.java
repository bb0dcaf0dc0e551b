package dev.weightclass.format;

/**
 * Architecture hyperparameters normalized across formats. A value of 0 means the file does not
 * say. {@code tiedEmbeddings} is null when unknown.
 *
 * @param architecture   llama, mistral, qwen2, gemma, gpt2, bert, ... (lower case)
 * @param layers         repeated blocks
 * @param embeddingWidth model width (d_model)
 * @param heads          attention heads
 * @param kvHeads        key/value heads (grouped-query attention when fewer than heads)
 * @param headDim        width of one head
 * @param ffnWidth       feed-forward hidden width
 * @param vocabSize      vocabulary size
 * @param contextLength  trained context length
 * @param tiedEmbeddings output projection shares the token embedding
 */
public record Hyperparameters(String architecture, int layers, int embeddingWidth, int heads,
                              int kvHeads, int headDim, int ffnWidth, int vocabSize,
                              int contextLength, Boolean tiedEmbeddings) {

    public static final Hyperparameters UNKNOWN =
            new Hyperparameters("unknown", 0, 0, 0, 0, 0, 0, 0, 0, null);

    /** Fills derived values: kvHeads defaults to heads, headDim to width / heads. */
    public Hyperparameters normalized() {
        int kv = kvHeads > 0 ? kvHeads : heads;
        int hd = headDim > 0 ? headDim : (heads > 0 && embeddingWidth % heads == 0 ? embeddingWidth / heads : 0);
        return new Hyperparameters(architecture == null ? "unknown" : architecture, layers,
                embeddingWidth, heads, kv, hd, ffnWidth, vocabSize, contextLength, tiedEmbeddings);
    }
}
