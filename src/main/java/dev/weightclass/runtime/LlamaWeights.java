package dev.weightclass.runtime;

import dev.weightclass.WeightclassException;
import dev.weightclass.format.ModelFile;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorType;

import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The weights of a llama-family decoder, found by name in any of the three naming schemes
 * (GGUF {@code blk.N.attn_q.weight}, Hugging Face {@code model.layers.N.self_attn.q_proj.weight},
 * llama2.c {@code wq}, stacked over layers or per layer). Matrices stay in the mapped file; only the
 * small 1-D norms and biases are copied into float arrays.
 */
public final class LlamaWeights {

    /** One transformer block. Biases are null when the model has none (all but qwen2). */
    public record Layer(float[] attnNorm, WeightMatrix wq, WeightMatrix wk, WeightMatrix wv, WeightMatrix wo,
                        float[] bq, float[] bk, float[] bv,
                        float[] ffnNorm, WeightMatrix gate, WeightMatrix up, WeightMatrix down) {}

    public final WeightMatrix tokenEmbedding;
    public final List<Layer> layers;
    public final float[] outputNorm;
    /** The classifier; the token embedding itself when the model ties them. */
    public final WeightMatrix output;

    private LlamaWeights(WeightMatrix tokenEmbedding, List<Layer> layers, float[] outputNorm, WeightMatrix output) {
        this.tokenEmbedding = tokenEmbedding;
        this.layers = layers;
        this.outputNorm = outputNorm;
        this.output = output;
    }

    public boolean tied() { return output == tokenEmbedding; }

    public static LlamaWeights load(ModelFile model, LlamaConfig c) {
        Finder f = new Finder(model);
        WeightMatrix embd = f.matrix(-1, c.vocabSize(), c.dim(), "token_embd.weight", "model.embed_tokens.weight",
                "token_embedding_table", "tok_embeddings.weight");
        Layer[] layers = new Layer[c.layers()];
        for (int l = 0; l < c.layers(); l++) {
            String g = "blk." + l + ".", h = "model.layers." + l + ".", m = "layers." + l + ".";
            layers[l] = new Layer(
                    f.vector(l, c.dim(), g + "attn_norm.weight", h + "input_layernorm.weight", "rms_att_weight",
                            m + "attention_norm.weight"),
                    f.matrix(l, c.qDim(), c.dim(), g + "attn_q.weight", h + "self_attn.q_proj.weight", "wq",
                            m + "attention.wq.weight"),
                    f.matrix(l, c.kvDim(), c.dim(), g + "attn_k.weight", h + "self_attn.k_proj.weight", "wk",
                            m + "attention.wk.weight"),
                    f.matrix(l, c.kvDim(), c.dim(), g + "attn_v.weight", h + "self_attn.v_proj.weight", "wv",
                            m + "attention.wv.weight"),
                    f.matrix(l, c.dim(), c.qDim(), g + "attn_output.weight", h + "self_attn.o_proj.weight", "wo",
                            m + "attention.wo.weight"),
                    f.optionalVector(l, c.qDim(), g + "attn_q.bias", h + "self_attn.q_proj.bias"),
                    f.optionalVector(l, c.kvDim(), g + "attn_k.bias", h + "self_attn.k_proj.bias"),
                    f.optionalVector(l, c.kvDim(), g + "attn_v.bias", h + "self_attn.v_proj.bias"),
                    f.vector(l, c.dim(), g + "ffn_norm.weight", h + "post_attention_layernorm.weight",
                            "rms_ffn_weight", m + "ffn_norm.weight"),
                    f.matrix(l, c.ffnDim(), c.dim(), g + "ffn_gate.weight", h + "mlp.gate_proj.weight", "w1",
                            m + "feed_forward.w1.weight"),
                    f.matrix(l, c.ffnDim(), c.dim(), g + "ffn_up.weight", h + "mlp.up_proj.weight", "w3",
                            m + "feed_forward.w3.weight"),
                    f.matrix(l, c.dim(), c.ffnDim(), g + "ffn_down.weight", h + "mlp.down_proj.weight", "w2",
                            m + "feed_forward.w2.weight"));
        }
        float[] outNorm = f.vector(-1, c.dim(), "output_norm.weight", "model.norm.weight", "rms_final_weight",
                "norm.weight");
        WeightMatrix out = f.find("output.weight", "lm_head.weight", "wcls")
                .map(t -> f.matrix(t, -1, c.vocabSize(), c.dim()))
                .orElse(embd);
        return new LlamaWeights(embd, List.of(layers), outNorm, out);
    }

    /** Looks tensors up by any of their names and checks their shapes. */
    private static final class Finder {
        final ModelFile model;
        final Map<String, TensorInfo> byName = new HashMap<>();

        Finder(ModelFile model) {
            this.model = model;
            for (TensorInfo t : model.tensors()) byName.put(t.name(), t);
        }

        Optional<TensorInfo> find(String... names) {
            for (String n : names) {
                TensorInfo t = byName.get(n);
                if (t != null) return Optional.of(t);
            }
            return Optional.empty();
        }

        TensorInfo require(String... names) {
            return find(names).orElseThrow(() -> new WeightclassException(model.path() + ": tensor " + names[0]
                    + " not found (looked for " + String.join(", ", names) + ")"));
        }

        WeightMatrix matrix(int layer, int rows, int cols, String... names) {
            return matrix(require(names), layer, rows, cols);
        }

        /**
         * The [rows, cols] weight of {@code layer} in tensor {@code t}: t itself, or its layer-th slice when
         * t stacks every layer (llama2.c: [layers, rows, cols]).
         */
        WeightMatrix matrix(TensorInfo t, int layer, int rows, int cols) {
            long[] s = t.shape();
            boolean stacked = s.length == 3;
            boolean ok = stacked ? layer >= 0 && s[1] == rows && s[2] == cols && layer < s[0]
                    : s.length == 2 && s[0] == rows && s[1] == cols;
            if (!ok) {
                throw new WeightclassException(model.path() + ": tensor " + t.name() + " has shape "
                        + java.util.Arrays.toString(s) + ", expected [" + rows + ", " + cols + "]");
            }
            MemorySegment data = model.data(t);
            String name = t.name();
            if (stacked) {
                long bytes = rows * t.type().bytesFor(cols);
                data = data.asSlice(layer * bytes, bytes);
                name = t.name() + "[" + layer + "]";
            }
            return new WeightMatrix(name, t.type(), rows, cols, data);
        }

        float[] vector(int layer, int n, String... names) {
            return vector(require(names), layer, n);
        }

        float[] optionalVector(int layer, int n, String... names) {
            return find(names).map(t -> vector(t, layer, n)).orElse(null);
        }

        float[] vector(TensorInfo t, int layer, int n) {
            long[] s = t.shape();
            boolean stacked = s.length == 2 && s[0] != 1 && layer >= 0 && s[1] == n && s[0] > layer
                    && !(s[0] == n && s[1] == 1);
            if (!(stacked || t.elements() == n)) {
                throw new WeightclassException(model.path() + ": tensor " + t.name() + " has shape "
                        + java.util.Arrays.toString(s) + ", expected [" + n + "]");
            }
            TensorType type = t.type();
            MemorySegment data = model.data(t);
            if (stacked) {
                long bytes = type.bytesFor(n);
                data = data.asSlice(layer * bytes, bytes);
            }
            float[] out = new float[n];
            RowDecoder.decode(new WeightMatrix(t.name(), type, 1, n, data), 0, out, 0);
            return out;
        }
    }
}
