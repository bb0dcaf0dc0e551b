package dev.weightclass.quant;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weightclass.WeightclassException;
import dev.weightclass.format.HfConfig;
import dev.weightclass.format.Hyperparameters;
import dev.weightclass.format.gguf.GgufValue;
import dev.weightclass.format.safetensors.SafetensorsFile;
import dev.weightclass.tensor.TensorInfo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Hugging Face {@code LlamaForCausalLM} (safetensors + config.json) under GGUF names.
 * Hugging Face stores q_proj/k_proj rows in the rotate-half RoPE layout; they are read back in
 * GGUF's interleaved order (see {@link ConvertedSource#hfRow}). The tokenizer comes from
 * {@code --vocab}, else a SentencePiece {@code tokenizer.model} beside the weights, else its
 * {@code tokenizer.json} (as llama.cpp's converter prefers them).
 */
final class HfLlamaSource {
    private HfLlamaSource() {}

    private static final Set<String> ARCHITECTURES = Set.of("llama", "mistral");
    private static final Pattern LAYER = Pattern.compile("model\\.layers\\.(\\d+)\\.(.+)\\.weight");
    private static final Map<String, String> LAYER_NAMES = Map.of(
            "input_layernorm", "attn_norm", "self_attn.q_proj", "attn_q", "self_attn.k_proj", "attn_k",
            "self_attn.v_proj", "attn_v", "self_attn.o_proj", "attn_output", "post_attention_layernorm", "ffn_norm",
            "mlp.gate_proj", "ffn_gate", "mlp.up_proj", "ffn_up", "mlp.down_proj", "ffn_down");

    static QuantSource of(SafetensorsFile s, Path vocab, Consumer<String> warn) throws IOException {
        HfConfig config = s.config().orElseThrow(() -> new WeightclassException(s.path()
                + ": converting safetensors needs the model's config.json beside it"));
        if (!ARCHITECTURES.contains(config.modelType())) {
            throw new WeightclassException(s.path() + ": model_type '" + config.modelType()
                    + "' cannot be converted to GGUF here (supported: llama, mistral)");
        }
        Hyperparameters h = config.hyperparameters().normalized();
        JsonNode raw = config.raw();
        float eps = (float) raw.path("rms_norm_eps").asDouble(1e-6);
        float theta = (float) raw.path("rope_theta").asDouble(10000.0);
        Path dir = s.path().toAbsolutePath().getParent();
        String name = raw.path("_name_or_path").asText("");
        if (name.isEmpty()) name = ConvertedSource.nameOf(dir);
        Map<String, GgufValue> kv = ConvertedSource.llamaKeys(name.substring(name.lastIndexOf('/') + 1), h, eps, theta);
        int vocabSize = h.vocabSize();
        if (vocab != null) {
            kv.putAll(GgufVocab.fromFile(vocab, vocabSize));
        } else {
            Map<String, GgufValue> tok = HfTokenizers.ggufKeys(dir, vocabSize,
                    w -> warn.accept(w.endsWith("tokenizer.json") ? w + ": the GGUF is written without a tokenizer "
                            + "(give one with --vocab FILE)" : w));
            if (tok != null) kv.putAll(tok);
        }
        ConvertedSource out = new ConvertedSource(s, kv);
        boolean tied = Boolean.TRUE.equals(h.tiedEmbeddings());
        for (TensorInfo t : s.tensors()) {
            String n = t.name();
            if (n.endsWith("rotary_emb.inv_freq")) continue; // recomputed from rope_theta
            if (n.equals("lm_head.weight") && tied) continue; // the token embedding is the classifier
            Matcher m = LAYER.matcher(n);
            int heads = 0;
            String gguf;
            if (n.equals("model.embed_tokens.weight")) gguf = "token_embd.weight";
            else if (n.equals("model.norm.weight")) gguf = "output_norm.weight";
            else if (n.equals("lm_head.weight")) gguf = "output.weight";
            else if (m.matches() && LAYER_NAMES.containsKey(m.group(2))) {
                gguf = "blk." + m.group(1) + "." + LAYER_NAMES.get(m.group(2)) + ".weight";
                if (m.group(2).equals("self_attn.q_proj")) heads = h.heads();
                if (m.group(2).equals("self_attn.k_proj")) heads = h.kvHeads();
            } else {
                throw new WeightclassException(s.path() + ": tensor " + n + " is not part of a Hugging Face llama model");
            }
            out.add(t, gguf, heads);
        }
        return out;
    }
}
