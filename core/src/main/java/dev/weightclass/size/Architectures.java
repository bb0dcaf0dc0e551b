package dev.weightclass.size;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weightclass.WeightclassException;
import dev.weightclass.format.Hyperparameters;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorRoles;
import dev.weightclass.tensor.TensorType;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Tensor lists from Hugging Face configs: one template per architecture, giving the exact
 * shapes (biases, position embeddings, tied embeddings, fused projections) under llama.cpp's
 * GGUF tensor names. Shapes are outermost first: a linear layer is [out, in].
 */
public final class Architectures {
    private Architectures() {}

    private static final Map<String, Function<ModelConfig, ModelSpec>> TEMPLATES = new TreeMap<>();
    static {
        TEMPLATES.put("llama", c -> llamaLike(c, "llama", false, false, false));
        TEMPLATES.put("mistral", c -> llamaLike(c, "llama", false, false, false));
        TEMPLATES.put("qwen2", c -> llamaLike(c, "qwen2", true, false, false));
        TEMPLATES.put("gemma", c -> llamaLike(c, "gemma", false, true, false));
        TEMPLATES.put("gemma2", c -> llamaLike(c, "gemma2", false, true, true));
        TEMPLATES.put("phi", Architectures::phi2);
        TEMPLATES.put("phi3", Architectures::phi3);
        TEMPLATES.put("gpt2", Architectures::gpt2);
        TEMPLATES.put("bert", c -> bert(c, false));
        TEMPLATES.put("distilbert", c -> bert(c, true));
    }

    /** Architectures with a template ({@code model_type} values). */
    public static List<String> supported() { return List.copyOf(TEMPLATES.keySet()); }

    public static ModelSpec fromConfig(ModelConfig c, String name) {
        String type = c.modelType();
        var t = TEMPLATES.get(type);
        if (t == null) {
            throw new WeightclassException(c.source() + ": unknown architecture '" + type + "' (model_type); known: "
                    + String.join(", ", TEMPLATES.keySet()));
        }
        ModelSpec s = t.apply(c);
        return new ModelSpec(name, s.ggufArch(), s.hyperparameters(), s.experts(), s.weights(), s.ggufTensors(),
                s.tokenizer(), c);
    }

    /** Collects the checkpoint's weights and the GGUF tensors side by side. */
    private static final class Tensors {
        final List<TensorInfo> weights = new ArrayList<>();
        final List<TensorInfo> gguf = new ArrayList<>();

        /** A weight stored in both the checkpoint and the GGUF file. */
        void add(String name, long... shape) {
            weights.add(info(name, shape, TensorType.F32));
            gguf.add(info(name, shape, shape.length == 1 ? TensorType.F32 : TensorType.F16));
        }

        /** A linear layer: weight [out, in] and, when {@code bias}, bias [out]. */
        void linear(String prefix, long out, long in, boolean bias) {
            add(prefix + ".weight", out, in);
            if (bias) add(prefix + ".bias", out);
        }

        void norm(String prefix, long width, boolean bias) {
            add(prefix + ".weight", width);
            if (bias) add(prefix + ".bias", width);
        }

        void ggufOnly(String name, TensorType type, long... shape) { gguf.add(info(name, shape, type)); }

        void weightOnly(String name, long... shape) { weights.add(info(name, shape, TensorType.F32)); }

        static TensorInfo info(String name, long[] shape, TensorType type) {
            long n = 1;
            for (long d : shape) n = Math.multiplyExact(n, d);
            var c = TensorRoles.classify(name);
            return new TensorInfo(name, shape, type, 0, 0, type.bytesFor(n), c.role(), c.layer());
        }
    }

    private static TokenizerEstimate tokenizer(ModelConfig c, String type, int vocab) {
        return TokenizerFamilies.estimate(TokenizerFamilies.guess(type, vocab), vocab, 0);
    }

    private static int vocab(ModelConfig c) {
        return c.positive("vocab_size");
    }

    /** llama, mistral, qwen2 (q/k/v biases), gemma (tied, explicit head_dim), gemma2 (+ post-norms). */
    private static ModelSpec llamaLike(ModelConfig c, String arch, boolean qkvBias, boolean gemma, boolean gemma2) {
        int d = c.positive("hidden_size");
        int layers = c.positive("num_hidden_layers");
        int heads = c.positive("num_attention_heads");
        int kv = c.positiveOr(heads, "num_key_value_heads");
        int ff = c.positive("intermediate_size");
        int vocab = vocab(c);
        c.require(heads % kv == 0, "num_attention_heads (" + heads + ") must be a multiple of num_key_value_heads (" + kv + ")");
        int hd = c.positiveOr(0, "head_dim");
        if (hd == 0) {
            c.require(d % heads == 0, "hidden_size (" + d + ") is not a multiple of num_attention_heads (" + heads
                    + ") and no head_dim is given");
            hd = d / heads;
        }
        boolean tied = gemma || c.bool("tie_word_embeddings", false);
        boolean attnBias = qkvBias || c.bool("attention_bias", false);
        boolean mlpBias = c.bool("mlp_bias", false);
        int ctx = c.positiveOr(0, "max_position_embeddings");

        Tensors t = new Tensors();
        t.add("token_embd.weight", vocab, d);
        if (isLlama3Rope(c)) t.ggufOnly("rope_freqs.weight", TensorType.F32, hd / 2);
        for (int i = 0; i < layers; i++) {
            String b = "blk." + i + ".";
            t.norm(b + "attn_norm", d, false);
            t.linear(b + "attn_q", (long) heads * hd, d, attnBias);
            t.linear(b + "attn_k", (long) kv * hd, d, attnBias);
            t.linear(b + "attn_v", (long) kv * hd, d, attnBias);
            t.linear(b + "attn_output", d, (long) heads * hd, !qkvBias && attnBias);
            if (gemma2) t.norm(b + "post_attention_norm", d, false);
            t.norm(b + "ffn_norm", d, false);
            t.linear(b + "ffn_gate", ff, d, mlpBias);
            t.linear(b + "ffn_up", ff, d, mlpBias);
            t.linear(b + "ffn_down", d, ff, mlpBias);
            if (gemma2) t.norm(b + "post_ffw_norm", d, false);
        }
        t.norm("output_norm", d, false);
        if (!tied) t.add("output.weight", vocab, d);
        Hyperparameters hp = new Hyperparameters(c.modelType(), layers, d, heads, kv, hd, ff, vocab, ctx, tied);
        return new ModelSpec(null, arch, hp, 0, t.weights, t.gguf, tokenizer(c, c.modelType(), vocab), c);
    }

    private static boolean isLlama3Rope(ModelConfig c) {
        JsonNode rs = c.node("rope_scaling");
        if (rs == null || !rs.isObject()) return false;
        String type = rs.hasNonNull("rope_type") ? rs.get("rope_type").asText() : rs.path("type").asText("");
        return type.equals("llama3");
    }

    /** Phi-2: parallel attention and MLP behind one LayerNorm, biases everywhere, untied head with bias. */
    private static ModelSpec phi2(ModelConfig c) {
        int d = c.positive("hidden_size", "n_embd");
        int layers = c.positive("num_hidden_layers", "n_layer");
        int heads = c.positive("num_attention_heads", "n_head");
        int kv = c.positiveOr(heads, "num_key_value_heads");
        int ff = c.positiveOr(4 * d, "intermediate_size", "n_inner");
        int vocab = vocab(c);
        c.require(d % heads == 0, "hidden_size (" + d + ") is not a multiple of num_attention_heads (" + heads + ")");
        int hd = d / heads;
        Tensors t = new Tensors();
        t.add("token_embd.weight", vocab, d);
        for (int i = 0; i < layers; i++) {
            String b = "blk." + i + ".";
            t.norm(b + "attn_norm", d, true);
            t.linear(b + "attn_q", (long) heads * hd, d, true);
            t.linear(b + "attn_k", (long) kv * hd, d, true);
            t.linear(b + "attn_v", (long) kv * hd, d, true);
            t.linear(b + "attn_output", d, (long) heads * hd, true);
            t.linear(b + "ffn_up", ff, d, true);
            t.linear(b + "ffn_down", d, ff, true);
        }
        t.norm("output_norm", d, true);
        t.linear("output", vocab, d, true);
        Hyperparameters hp = new Hyperparameters("phi2", layers, d, heads, kv, hd, ff, vocab,
                c.positiveOr(0, "max_position_embeddings", "n_positions"), false);
        return new ModelSpec(null, "phi2", hp, 0, t.weights, t.gguf, tokenizer(c, "phi", vocab), c);
    }

    /** Phi-3: fused qkv and fused gate+up projections, RMSNorm, untied head. */
    private static ModelSpec phi3(ModelConfig c) {
        int d = c.positive("hidden_size");
        int layers = c.positive("num_hidden_layers");
        int heads = c.positive("num_attention_heads");
        int kv = c.positiveOr(heads, "num_key_value_heads");
        int ff = c.positive("intermediate_size");
        int vocab = vocab(c);
        c.require(d % heads == 0, "hidden_size (" + d + ") is not a multiple of num_attention_heads (" + heads + ")");
        int hd = d / heads;
        boolean tied = c.bool("tie_word_embeddings", false);
        Tensors t = new Tensors();
        t.add("token_embd.weight", vocab, d);
        JsonNode rs = c.node("rope_scaling");
        if (rs != null && rs.isObject() && rs.has("long_factor")) {
            // LongRoPE (128k variants): per-dimension factors stored as tensors
            t.ggufOnly("rope_factors_long.weight", TensorType.F32, hd / 2);
            t.ggufOnly("rope_factors_short.weight", TensorType.F32, hd / 2);
        }
        for (int i = 0; i < layers; i++) {
            String b = "blk." + i + ".";
            t.norm(b + "attn_norm", d, false);
            t.linear(b + "attn_qkv", (long) (heads + 2 * kv) * hd, d, false);
            t.linear(b + "attn_output", d, (long) heads * hd, false);
            t.norm(b + "ffn_norm", d, false);
            t.linear(b + "ffn_up", 2L * ff, d, false);
            t.linear(b + "ffn_down", d, ff, false);
        }
        t.norm("output_norm", d, false);
        if (!tied) t.add("output.weight", vocab, d);
        Hyperparameters hp = new Hyperparameters("phi3", layers, d, heads, kv, hd, ff, vocab,
                c.positiveOr(0, "max_position_embeddings"), tied);
        return new ModelSpec(null, "phi3", hp, 0, t.weights, t.gguf, tokenizer(c, "phi3", vocab), c);
    }

    /** GPT-2: learned positions, LayerNorms and biases, fused qkv; llama.cpp stores the tied head twice. */
    private static ModelSpec gpt2(ModelConfig c) {
        int d = c.positive("n_embd", "hidden_size");
        int layers = c.positive("n_layer", "num_hidden_layers");
        int heads = c.positive("n_head", "num_attention_heads");
        int ctx = c.positive("n_positions", "max_position_embeddings");
        int ff = c.positiveOr(4 * d, "n_inner");
        int vocab = vocab(c);
        c.require(d % heads == 0, "n_embd (" + d + ") is not a multiple of n_head (" + heads + ")");
        Tensors t = new Tensors();
        t.add("token_embd.weight", vocab, d);
        t.add("position_embd.weight", ctx, d);
        for (int i = 0; i < layers; i++) {
            String b = "blk." + i + ".";
            t.norm(b + "attn_norm", d, true);
            t.linear(b + "attn_qkv", 3L * d, d, true);
            t.linear(b + "attn_output", d, d, true);
            t.norm(b + "ffn_norm", d, true);
            t.linear(b + "ffn_up", ff, d, true);
            t.linear(b + "ffn_down", d, ff, true);
        }
        t.norm("output_norm", d, true);
        // the converter writes the tied embedding again as output.weight
        t.ggufOnly("output.weight", TensorType.F16, vocab, d);
        Hyperparameters hp = new Hyperparameters("gpt2", layers, d, heads, heads, d / heads, ff, vocab, ctx, true);
        return new ModelSpec(null, "gpt2", hp, 0, t.weights, t.gguf, tokenizer(c, "gpt2", vocab), c);
    }

    /**
     * BERT encoders (bert, all-MiniLM) and DistilBERT. The checkpoint's pooler counts as parameters
     * (model cards count it) but llama.cpp drops it; llama.cpp has no DistilBERT architecture.
     */
    private static ModelSpec bert(ModelConfig c, boolean distil) {
        int d = c.positive(distil ? "dim" : "hidden_size", "hidden_size");
        int layers = c.positive(distil ? "n_layers" : "num_hidden_layers", "num_hidden_layers");
        int heads = c.positive(distil ? "n_heads" : "num_attention_heads", "num_attention_heads");
        int ff = c.positive(distil ? "hidden_dim" : "intermediate_size", "intermediate_size");
        int ctx = c.positive("max_position_embeddings");
        int vocab = vocab(c);
        int types = distil ? 0 : c.positiveOr(2, "type_vocab_size");
        c.require(d % heads == 0, "hidden size (" + d + ") is not a multiple of the head count (" + heads + ")");
        Tensors t = new Tensors();
        t.add("token_embd.weight", vocab, d);
        if (types > 0) t.add("token_types.weight", types, d);
        t.add("position_embd.weight", ctx, d);
        t.norm("token_embd_norm", d, true);
        for (int i = 0; i < layers; i++) {
            String b = "blk." + i + ".";
            t.linear(b + "attn_q", d, d, true);
            t.linear(b + "attn_k", d, d, true);
            t.linear(b + "attn_v", d, d, true);
            t.linear(b + "attn_output", d, d, true);
            t.norm(b + "attn_output_norm", d, true);
            t.linear(b + "ffn_up", ff, d, true);
            t.linear(b + "ffn_down", d, ff, true);
            t.norm(b + "layer_output_norm", d, true);
        }
        if (!distil) {
            t.weightOnly("pooler.dense.weight", d, d);
            t.weightOnly("pooler.dense.bias", d);
        }
        Hyperparameters hp = new Hyperparameters(distil ? "distilbert" : "bert", layers, d, heads, heads, d / heads, ff,
                vocab, ctx, true);
        return new ModelSpec(null, distil ? null : "bert", hp, 0, t.weights, t.gguf,
                tokenizer(c, "bert", vocab), c);
    }
}
