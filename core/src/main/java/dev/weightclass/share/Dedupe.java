package dev.weightclass.share;

import dev.weightclass.format.ModelFormat;
import dev.weightclass.size.DuplicateTensors;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Stores tensors with identical bytes once. A classifier equal to the token embedding is dropped,
 * which is how tied models are stored (llama.cpp and transformers both fall back to the embedding;
 * safetensors output gets {@code tie_word_embeddings: true} in config.json). Other duplicates
 * become aliases in safetensors; GGUF has no aliasing a llama.cpp loader follows, so there they
 * are reported and kept.
 */
public final class Dedupe {
    private Dedupe() {}

    static final Set<String> CLASSIFIERS = Set.of("output.weight", "lm_head.weight");
    static final Set<String> EMBEDDINGS = Set.of("token_embd.weight", "model.embed_tokens.weight");

    /**
     * @param groups     every group of identical tensors found (verified byte for byte)
     * @param tied       the classifier was dropped in favour of the embedding
     * @param aliased    tensor names now stored as aliases
     * @param kept       duplicates left in place (GGUF)
     * @param savedBytes bytes no longer stored
     */
    public record Result(List<DuplicateTensors.Group> groups, boolean tied, List<String> aliased, List<String> kept,
                         long savedBytes) {
        public boolean changed() { return tied || !aliased.isEmpty(); }
    }

    /**
     * @param all  every duplicate (--dedupe); false ties only the classifier (--tie-embeddings)
     */
    public static Result apply(SharedModel model, boolean all) {
        List<DuplicateTensors.Group> groups = DuplicateTensors.find(model.source(), Long.MAX_VALUE);
        boolean gguf = model.source().format() == ModelFormat.GGUF;
        boolean tied = false;
        long saved = 0;
        List<String> aliased = new ArrayList<>(), kept = new ArrayList<>();
        for (DuplicateTensors.Group g : groups) {
            String embd = g.names().stream().filter(EMBEDDINGS::contains).findFirst().orElse(null);
            String keep = embd != null ? embd : g.names().getFirst();
            for (String n : g.names()) {
                if (n.equals(keep)) continue;
                if (embd != null && CLASSIFIERS.contains(n)) {
                    model.remove(n);
                    model.tieWordEmbeddings = true;
                    tied = true;
                    saved += g.bytesEach();
                } else if (all && !gguf) {
                    model.alias(n, keep);
                    aliased.add(n);
                    saved += g.bytesEach();
                } else if (all) {
                    kept.add(n);
                }
            }
        }
        return new Result(groups, tied, aliased, kept, saved);
    }
}
