package dev.weightclass.runtime;

import dev.weightclass.WeightclassException;
import dev.weightclass.format.ModelFile;
import dev.weightclass.tensor.TensorInfo;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The weights of a llama-family decoder, found by name in any of the three naming schemes
 * (GGUF {@code blk.N.attn_q.weight}, Hugging Face {@code model.layers.N.self_attn.q_proj.weight},
 * llama2.c {@code layers.N.wq}). Matrices stay in the mapped file (the vector kernels keep a
 * row-interleaved copy of Q4_0/Q8_0 ones instead: {@link #preparedFor}); only the
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
    private final boolean tied;

    private LlamaWeights(WeightMatrix tokenEmbedding, List<Layer> layers, float[] outputNorm, WeightMatrix output,
                         boolean tied) {
        this.tokenEmbedding = tokenEmbedding;
        this.layers = layers;
        this.outputNorm = outputNorm;
        this.output = output;
        this.tied = tied;
    }

    /** True when the classifier is the token embedding (one stored tensor). */
    public boolean tied() { return tied; }

    /** These weights with every matrix a product reads in the form {@code kernels} multiply fastest ({@link Kernels#prepare}). */
    public LlamaWeights preparedFor(Kernels kernels) {
        List<Layer> prepared = new java.util.ArrayList<>(layers.size());
        for (Layer l : layers) {
            prepared.add(new Layer(l.attnNorm(), kernels.prepare(l.wq()), kernels.prepare(l.wk()), kernels.prepare(l.wv()),
                    kernels.prepare(l.wo()), l.bq(), l.bk(), l.bv(), l.ffnNorm(),
                    kernels.prepare(l.gate()), kernels.prepare(l.up()), kernels.prepare(l.down())));
        }
        return new LlamaWeights(tokenEmbedding, List.copyOf(prepared), outputNorm, kernels.prepare(output), tied);
    }

    /**
     * Weight bytes one generated token reads: every layer matrix and the classifier in full, one
     * embedding row. Generation is bound by memory bandwidth divided by this.
     */
    public long bytesPerToken() {
        long sum = output.data().byteSize();
        if (!tied()) sum += tokenEmbedding.data().byteSize() / tokenEmbedding.rows();
        for (Layer l : layers) {
            for (WeightMatrix w : new WeightMatrix[] {l.wq(), l.wk(), l.wv(), l.wo(), l.gate(), l.up(), l.down()}) {
                sum += w.data().byteSize();
            }
        }
        return sum;
    }

    public static LlamaWeights load(ModelFile model, LlamaConfig c) {
        Finder f = new Finder(model);
        WeightMatrix embd = f.matrix(-1, c.vocabSize(), c.dim(), "token_embd.weight", "model.embed_tokens.weight",
                "token_embedding_table");
        Layer[] layers = new Layer[c.layers()];
        for (int l = 0; l < c.layers(); l++) {
            String g = "blk." + l + ".", h = "model.layers." + l + ".", m = "layers." + l + ".";
            layers[l] = new Layer(
                    f.vector(l, c.dim(), g + "attn_norm.weight", h + "input_layernorm.weight", m + "rms_att_weight"),
                    f.matrix(l, c.qDim(), c.dim(), g + "attn_q.weight", h + "self_attn.q_proj.weight", m + "wq"),
                    f.matrix(l, c.kvDim(), c.dim(), g + "attn_k.weight", h + "self_attn.k_proj.weight", m + "wk"),
                    f.matrix(l, c.kvDim(), c.dim(), g + "attn_v.weight", h + "self_attn.v_proj.weight", m + "wv"),
                    f.matrix(l, c.dim(), c.qDim(), g + "attn_output.weight", h + "self_attn.o_proj.weight", m + "wo"),
                    f.optionalVector(l, c.qDim(), g + "attn_q.bias", h + "self_attn.q_proj.bias"),
                    f.optionalVector(l, c.kvDim(), g + "attn_k.bias", h + "self_attn.k_proj.bias"),
                    f.optionalVector(l, c.kvDim(), g + "attn_v.bias", h + "self_attn.v_proj.bias"),
                    f.vector(l, c.dim(), g + "ffn_norm.weight", h + "post_attention_layernorm.weight",
                            m + "rms_ffn_weight"),
                    f.matrix(l, c.ffnDim(), c.dim(), g + "ffn_gate.weight", h + "mlp.gate_proj.weight", m + "w1"),
                    f.matrix(l, c.ffnDim(), c.dim(), g + "ffn_up.weight", h + "mlp.up_proj.weight", m + "w3"),
                    f.matrix(l, c.dim(), c.ffnDim(), g + "ffn_down.weight", h + "mlp.down_proj.weight", m + "w2"));
        }
        float[] outNorm = f.vector(-1, c.dim(), "output_norm.weight", "model.norm.weight", "rms_final_weight");
        String[] outNames = {"output.weight", "lm_head.weight", "wcls"};
        WeightMatrix out = f.find(outNames)
                .map(t -> t.name().equals(embd.name()) ? embd : f.matrix(t, -1, c.vocabSize(), c.dim()))
                .or(() -> f.palettized(outNames)
                        .map(w -> w.name().equals(embd.name()) ? embd : f.checked(w, c.vocabSize(), c.dim())))
                .orElse(embd);
        return new LlamaWeights(embd, List.of(layers), outNorm, out, out == embd);
    }

    /** Looks tensors up by any of their names and checks their shapes. */
    private static final class Finder {
        final ModelFile model;
        final Map<String, TensorInfo> byName = new HashMap<>();
        final Map<String, Object> metadata;

        Finder(ModelFile model) {
            this.model = model;
            this.metadata = model.metadata();
            for (TensorInfo t : model.tensors()) byName.put(t.name(), t);
        }

        Optional<TensorInfo> find(String... names) {
            for (String n : names) {
                TensorInfo t = byName.get(SharedLayout.resolve(metadata, n));
                if (t != null) return Optional.of(t);
            }
            return Optional.empty();
        }

        /** A palettized matrix under any of the names (docs/SHARING.md). */
        Optional<WeightMatrix> palettized(String... names) {
            for (String n : names) {
                Optional<WeightMatrix> w = SharedLayout.palettized(model, metadata, byName, SharedLayout.resolve(metadata, n));
                if (w.isPresent()) return w;
            }
            return Optional.empty();
        }

        TensorInfo require(String... names) {
            return find(names).orElseThrow(() -> new WeightclassException(model.path() + ": tensor " + names[0]
                    + " not found (looked for " + String.join(", ", names) + ")"));
        }

        WeightMatrix matrix(int layer, int rows, int cols, String... names) {
            if (find(names).isEmpty()) {
                Optional<WeightMatrix> p = palettized(names);
                if (p.isPresent()) return checked(p.get(), rows, cols);
            }
            return matrix(require(names), layer, rows, cols);
        }

        WeightMatrix checked(WeightMatrix w, int rows, int cols) {
            if (w.rows() != rows || w.cols() != cols) {
                throw new WeightclassException(model.path() + ": palettized tensor " + w.name() + " is [" + w.rows()
                        + ", " + w.cols() + "], expected [" + rows + ", " + cols + "]");
            }
            return w;
        }

        WeightMatrix matrix(TensorInfo t, int layer, int rows, int cols) {
            long[] s = t.shape();
            if (s.length != 2 || s[0] != rows || s[1] != cols) {
                throw new WeightclassException(model.path() + ": tensor " + t.name() + " has shape "
                        + java.util.Arrays.toString(s) + ", expected [" + rows + ", " + cols + "]");
            }
            return new WeightMatrix(t.name(), t.type(), rows, cols, model.data(t));
        }

        float[] vector(int layer, int n, String... names) {
            return vector(require(names), layer, n);
        }

        float[] optionalVector(int layer, int n, String... names) {
            return find(names).map(t -> vector(t, layer, n)).orElse(null);
        }

        float[] vector(TensorInfo t, int layer, int n) {
            if (t.elements() != n) {
                throw new WeightclassException(model.path() + ": tensor " + t.name() + " has shape "
                        + java.util.Arrays.toString(t.shape()) + ", expected [" + n + "]");
            }
            float[] out = new float[n];
            RowDecoder.decode(new WeightMatrix(t.name(), t.type(), 1, n, model.data(t)), 0, out, 0);
            return out;
        }
    }
}
