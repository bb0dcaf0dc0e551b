package dev.weightclass.format.safetensors;

import dev.weightclass.format.Hyperparameters;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorRole;

import java.util.List;
import java.util.Optional;

/**
 * Hyperparameters a Hugging Face tensor table implies. Used to fill what config.json leaves out
 * and, without a config, to say at least what the shapes prove (width, vocabulary, layers, FFN
 * width, context, tied output). Head counts cannot be read from shapes and stay 0 then.
 */
final class TensorShapes {
    private TensorShapes() {}

    static Hyperparameters hyperparameters(Optional<Hyperparameters> config, List<TensorInfo> tensors) {
        TensorInfo embedding = find(tensors, "embed_tokens.weight", "wte.weight", "word_embeddings.weight",
                "tok_embeddings.weight", "token_embd.weight", "embed_in.weight");
        boolean hasOutput = tensors.stream().anyMatch(t -> t.role() == TensorRole.OUTPUT
                && (t.name().endsWith("lm_head.weight") || t.name().equals("output.weight")
                || t.name().endsWith("embed_out.weight")));
        Hyperparameters s = fromShapes(tensors, embedding, hasOutput);
        if (config.isPresent()) {
            Hyperparameters c = config.get();
            // No output projection stored means the model reuses its embedding, whatever the config says.
            Boolean tied = Boolean.TRUE.equals(c.tiedEmbeddings()) || (embedding != null && !hasOutput)
                    ? Boolean.TRUE : c.tiedEmbeddings() != null ? c.tiedEmbeddings() : s.tiedEmbeddings();
            // The config wins; what it leaves out (an architecture it does not describe) the shapes fill.
            return new Hyperparameters(c.architecture(), or(c.layers(), s.layers()), or(c.embeddingWidth(), s.embeddingWidth()),
                    c.heads(), c.kvHeads(), c.headDim(), or(c.ffnWidth(), s.ffnWidth()), or(c.vocabSize(), s.vocabSize()),
                    or(c.contextLength(), s.contextLength()), tied);
        }
        return s;
    }

    private static int or(int config, int shapes) {
        return config > 0 ? config : shapes;
    }

    private static Hyperparameters fromShapes(List<TensorInfo> tensors, TensorInfo embedding, boolean hasOutput) {
        int layers = tensors.stream().mapToInt(TensorInfo::layer).max().orElse(-1) + 1;
        int width = 0, vocab = 0;
        if (embedding != null && embedding.rank() == 2) {
            vocab = toInt(embedding.dim(0));
            width = toInt(embedding.dim(1));
        }
        int ffn = 0;
        TensorInfo up = find(tensors, "mlp.up_proj.weight", "mlp.gate_proj.weight", "intermediate.dense.weight",
                "mlp.fc1.weight", "ffn.lin1.weight");
        if (up != null && up.rank() == 2) ffn = toInt(up.dim(0));
        TensorInfo cfc = find(tensors, "mlp.c_fc.weight");
        if (ffn == 0 && cfc != null && cfc.rank() == 2) ffn = toInt(cfc.dim(1)); // GPT-2 Conv1D: [in, out]
        int context = 0;
        TensorInfo pos = find(tensors, "wpe.weight", "position_embeddings.weight");
        if (pos != null && pos.rank() == 2) context = toInt(pos.dim(0));
        Boolean tied = embedding == null ? null : !hasOutput;
        if (embedding == null && layers == 0) return Hyperparameters.UNKNOWN;
        return new Hyperparameters("unknown", layers, width, 0, 0, 0, ffn, vocab, context, tied);
    }

    /** The first tensor whose name ends with one of the suffixes (in layer 0 when it is per layer). */
    private static TensorInfo find(List<TensorInfo> tensors, String... suffixes) {
        for (String s : suffixes) {
            for (TensorInfo t : tensors) {
                if (t.name().endsWith(s) && t.layer() <= 0) return t;
            }
        }
        return null;
    }

    private static int toInt(long v) {
        return v > Integer.MAX_VALUE ? 0 : (int) v;
    }
}
