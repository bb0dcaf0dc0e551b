package dev.weightclass.runtime.bert;

import dev.weightclass.format.ModelFile;
import dev.weightclass.runtime.tokenizer.Tokenizer;
import dev.weightclass.runtime.tokenizer.Tokenizers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Text in, sentence embeddings out: the model's own tokenizer ({@code [CLS] ... [SEP]}), then
 * {@link BertModel}. A text longer than the model's position table is truncated to fit (its last
 * token stays {@code [SEP]}) and reported to the warning listener.
 */
public final class SentenceEncoder implements AutoCloseable {
    private final ModelFile file;
    private final BertModel model;
    private final Tokenizer tokenizer;
    private Consumer<String> warnings = s -> { };

    private SentenceEncoder(ModelFile file, BertModel model, Tokenizer tokenizer) {
        this.file = file;
        this.model = model;
        this.tokenizer = tokenizer;
    }

    public static SentenceEncoder open(Path path, int threads) throws IOException {
        ModelFile file = ModelFile.open(path);
        try {
            return new SentenceEncoder(file, BertModel.load(file, threads), Tokenizers.forModel(file));
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** Where truncation notices go (default: nowhere). */
    public SentenceEncoder onWarning(Consumer<String> listener) {
        this.warnings = listener;
        return this;
    }

    public BertModel model() { return model; }

    public Tokenizer tokenizer() { return tokenizer; }

    public ModelFile file() { return file; }

    /** Token ids with [CLS] and [SEP], at most the model's position count. */
    public int[] tokens(String text) {
        return tokens(text, model.config().maxPositions());
    }

    /** Token ids with [CLS] and [SEP], at most {@code max} (and the model's position count). */
    public int[] tokens(String text, int max) {
        int[] ids = tokenizer.encode(text, true);
        max = Math.min(max, model.config().maxPositions());
        if (ids.length <= max) return ids;
        warnings.accept("text of " + ids.length + " tokens truncated to the model's " + max + " positions: \""
                + (text.length() > 40 ? text.substring(0, 40) + "..." : text) + "\"");
        int[] cut = java.util.Arrays.copyOf(ids, max);
        int sep = tokenizer.eos();
        if (sep >= 0 && ids[ids.length - 1] == sep) cut[max - 1] = sep;
        return cut;
    }

    public float[][] embed(List<String> texts) {
        List<int[]> ids = new ArrayList<>(texts.size());
        for (String t : texts) ids.add(tokens(t));
        return model.embed(ids);
    }

    public float[] embed(String text) {
        return embed(List.of(text))[0];
    }

    @Override
    public void close() {
        model.close();
        file.close();
    }
}
