package dev.weightclass.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weightclass.WeightclassException;
import dev.weightclass.format.HfConfig;
import dev.weightclass.format.Hyperparameters;
import dev.weightclass.format.ModelFile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Shape and numerics of a llama-family decoder, read from whatever the model file says.
 *
 * @param architecture  llama, mistral, qwen2 or gemma
 * @param dim           model width
 * @param layers        transformer blocks
 * @param heads         query heads
 * @param kvHeads       key/value heads (grouped-query attention when fewer than heads)
 * @param headDim       width of one head
 * @param ffnDim        feed-forward hidden width
 * @param vocabSize     vocabulary size
 * @param contextLength trained context length
 * @param rmsEps        RMSNorm epsilon
 * @param ropeTheta     RoPE base frequency
 * @param rope          which pairs of a head RoPE rotates together
 * @param slidingWindow attention span in tokens (mistral), 0 for unlimited
 * @param activation    gate activation of the feed-forward block
 * @param embedScale    token embeddings are multiplied by this (gemma: sqrt(dim))
 * @param normOffset    added to every RMSNorm weight (gemma stores w - 1 in Hugging Face files)
 */
public record LlamaConfig(String architecture, int dim, int layers, int heads, int kvHeads, int headDim, int ffnDim,
                          int vocabSize, int contextLength, float rmsEps, float ropeTheta, RopeStyle rope,
                          int slidingWindow, Activation activation, float embedScale, float normOffset) {

    public static final List<String> SUPPORTED = List.of("llama", "mistral", "qwen2", "gemma");

    /** Pairs rotated by RoPE. */
    public enum RopeStyle {
        /** (x[2i], x[2i+1]): Meta's layout, llama2.c, and GGUF llama/mistral (the converter permutes q/k). */
        INTERLEAVED,
        /** (x[i], x[i + headDim/2]): Hugging Face's rotate_half, and GGUF qwen2/gemma (llama.cpp's NEOX). */
        ROTATE_HALF
    }

    public enum Activation { SILU, GELU_TANH }

    public int kvDim() { return kvHeads * headDim; }

    public int qDim() { return heads * headDim; }

    public LlamaConfig {
        if (dim <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || headDim <= 0 || ffnDim <= 0 || vocabSize <= 0) {
            throw new WeightclassException("model hyperparameters incomplete: dim " + dim + ", layers " + layers
                    + ", heads " + heads + ", kv heads " + kvHeads + ", head dim " + headDim + ", ffn " + ffnDim
                    + ", vocab " + vocabSize);
        }
        if (heads % kvHeads != 0) {
            throw new WeightclassException("heads (" + heads + ") is not a multiple of kv heads (" + kvHeads + ")");
        }
        if (headDim % 2 != 0) throw new WeightclassException("head dim " + headDim + " is odd: RoPE needs pairs");
    }

    /** Reads the configuration of {@code model}; throws for architectures the runtime does not run. */
    public static LlamaConfig of(ModelFile model) {
        return switch (model.format()) {
            case GGUF -> fromGguf(model);
            case SAFETENSORS -> fromHf(model);
            case LLAMA2C -> fromHyperparameters(model.hyperparameters(), "llama", RopeStyle.INTERLEAVED, 1e-5f, 10000f);
            default -> throw new WeightclassException(model.path() + ": the runtime runs decoder models from GGUF, "
                    + "safetensors + config.json and llama2.c checkpoints, not " + model.format().id());
        };
    }

    static String checkArchitecture(String arch, Path file) {
        String a = arch == null ? "unknown" : arch.toLowerCase(Locale.ROOT);
        if (!SUPPORTED.contains(a)) {
            throw new WeightclassException(file + ": architecture '" + a + "' is not supported by the runtime"
                    + " (supported: " + String.join(", ", SUPPORTED) + ")");
        }
        return a;
    }

    private static LlamaConfig fromHyperparameters(Hyperparameters h, String arch, RopeStyle rope, float eps, float theta) {
        Hyperparameters n = h.normalized();
        return new LlamaConfig(arch, n.embeddingWidth(), n.layers(), n.heads(), n.kvHeads(), n.headDim(),
                n.ffnWidth(), n.vocabSize(), n.contextLength(), eps, theta, rope, 0, Activation.SILU, 1f, 0f);
    }

    // ---- GGUF ----

    private static LlamaConfig fromGguf(ModelFile model) {
        Map<String, Object> md = model.metadata();
        String arch = checkArchitecture(string(md.get("general.architecture")), model.path());
        Hyperparameters h = model.hyperparameters().normalized();
        String p = arch + ".";
        int dim = intOr(md, p + "embedding_length", h.embeddingWidth());
        int heads = intOr(md, p + "attention.head_count", h.heads());
        int kvHeads = intOr(md, p + "attention.head_count_kv", heads);
        int headDim = intOr(md, p + "attention.key_length", heads > 0 ? dim / heads : 0);
        int vocab = h.vocabSize();
        if (vocab <= 0) vocab = intOr(md, p + "vocab_size", 0);
        if (vocab <= 0 && md.get("tokenizer.ggml.tokens") instanceof List<?> l) vocab = l.size();
        if (vocab <= 0) {
            vocab = model.tensor("token_embd.weight").map(t -> (int) t.dim(0)).orElse(0);
        }
        boolean gemma = arch.equals("gemma");
        RopeStyle rope = arch.equals("qwen2") || gemma ? RopeStyle.ROTATE_HALF : RopeStyle.INTERLEAVED;
        return new LlamaConfig(arch, dim, intOr(md, p + "block_count", h.layers()), heads, kvHeads, headDim,
                intOr(md, p + "feed_forward_length", h.ffnWidth()), vocab,
                intOr(md, p + "context_length", h.contextLength()),
                floatOr(md, p + "attention.layer_norm_rms_epsilon", 1e-5f), floatOr(md, p + "rope.freq_base", 10000f),
                rope, intOr(md, p + "attention.sliding_window", 0), gemma ? Activation.GELU_TANH : Activation.SILU,
                // GGUF gemma files already hold the +1 of the norm weights (the converter adds it).
                gemma ? (float) Math.sqrt(dim) : 1f, 0f);
    }

    private static String string(Object o) {
        return o == null ? null : o.toString();
    }

    private static int intOr(Map<String, Object> md, String key, int fallback) {
        Object o = md.get(key);
        if (o instanceof Number n) return Math.toIntExact(n.longValue());
        if (o instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof Number n) return n.intValue();
        return fallback;
    }

    private static float floatOr(Map<String, Object> md, String key, float fallback) {
        return md.get(key) instanceof Number n ? n.floatValue() : fallback;
    }

    // ---- Hugging Face config.json ----

    private static LlamaConfig fromHf(ModelFile model) {
        HfConfig hf;
        try {
            hf = HfConfig.beside(model.files().get(0)).orElseThrow(() -> new WeightclassException(model.path()
                    + ": no config.json beside the safetensors file: the runtime needs it for the model's shape"));
        } catch (IOException e) {
            throw new WeightclassException(model.path() + ": cannot read config.json: " + e.getMessage());
        }
        JsonNode c = hf.raw();
        Path config = hf.file();
        String arch = checkArchitecture(c.path("model_type").asText(null), config);
        int dim = c.path("hidden_size").asInt();
        int heads = c.path("num_attention_heads").asInt();
        int kvHeads = c.path("num_key_value_heads").asInt(heads);
        int headDim = c.hasNonNull("head_dim") ? c.path("head_dim").asInt() : (heads > 0 ? dim / heads : 0);
        boolean gemma = arch.equals("gemma");
        int window = 0;
        if (c.hasNonNull("sliding_window") && c.path("use_sliding_window").asBoolean(true)) {
            window = c.path("sliding_window").asInt();
        }
        String act = c.path(c.has("hidden_activation") ? "hidden_activation" : "hidden_act").asText("silu");
        Activation activation = act.startsWith("gelu") ? Activation.GELU_TANH : Activation.SILU;
        return new LlamaConfig(arch, dim, c.path("num_hidden_layers").asInt(), heads, kvHeads, headDim,
                c.path("intermediate_size").asInt(), c.path("vocab_size").asInt(),
                c.path("max_position_embeddings").asInt(0), (float) c.path("rms_norm_eps").asDouble(1e-6),
                (float) c.path("rope_theta").asDouble(10000), RopeStyle.ROTATE_HALF, window, activation,
                gemma ? (float) Math.sqrt(dim) : 1f, gemma ? 1f : 0f);
    }
}
