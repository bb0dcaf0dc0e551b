package dev.weightclass.distill.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import dev.weightclass.WeightclassException;
import dev.weightclass.distill.ScratchInit;
import dev.weightclass.distill.train.Torch;
import dev.weightclass.format.ModelFile;
import dev.weightclass.runtime.bert.BertConfig;
import dev.weightclass.runtime.bert.BertTensors;

import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A BERT encoder on DJL NDArrays, differentiable: the same function as core's runtime
 * {@code BertModel}, on a padded batch.
 * <pre>
 *   x = LayerNorm(word[id] + position[p] + type[0])                       [B, T, H]
 *   per layer:  scores = (x Wq)(x Wk)^T / sqrt(hd) + (0 for tokens, -1e9 for padding)   per head
 *               x = LayerNorm(x + softmax(scores)(x Wv) Wo)
 *               x = LayerNorm(x + GELU(x Wup) Wdown)                      GELU with erf
 *   embedding   = normalize(mean of x over the sentence's tokens)         [B, H]
 * </pre>
 * Parameters carry the Hugging Face {@code BertModel} names ({@link BertTensors}), so exporting is
 * writing them out.
 */
public final class DjlBert {
    /** Added to the attention scores of padding: softmax gives it exactly 0 weight in float32. */
    private static final float PADDING = -1e9f;

    private final BertConfig config;
    private final Map<String, NDArray> params;
    /** The teacher channel behind each of this model's channels; null when it has the teacher's width. */
    private final int[] channels;

    private DjlBert(BertConfig config, Map<String, NDArray> params, int[] channels) {
        this.channels = channels;
        this.config = config;
        this.params = Collections.unmodifiableMap(params);
    }

    /** The whole encoder in {@code file}. */
    public static DjlBert load(ModelFile file, NDManager manager) throws IOException {
        return load(file, null, manager);
    }

    /**
     * The encoder in {@code file} keeping only the blocks {@code layers} (in that order; null keeps
     * all): block {@code layers[i]} of the file becomes block {@code i}.
     */
    public static DjlBert load(ModelFile file, int[] layers, NDManager manager) throws IOException {
        return load(file, layers, null, null, manager);
    }

    /**
     * As {@link #load(ModelFile, int[], NDManager)}, narrowed to the widths of {@code student} (null:
     * the teacher's) by {@link BertSlice#strongest}: the strongest channels, heads and FFN units,
     * or random values for the narrowed tensors when {@code scratch} is given.
     */
    public static DjlBert load(ModelFile file, int[] layers, BertConfig student, ScratchInit scratch, NDManager manager)
            throws IOException {
        BertConfig full = BertTensors.config(file);
        int[] keep = layers == null ? java.util.stream.IntStream.range(0, full.layers()).toArray() : layers.clone();
        for (int l : keep) {
            if (l < 0 || l >= full.layers()) {
                throw new WeightclassException("layer " + l + " is out of range: the teacher has layers 0.." + (full.layers() - 1));
            }
        }
        Map<String, BertTensors.Tensor> read = new LinkedHashMap<>();
        BertTensors.read(file, t -> {
            String name = renumber(t.name(), keep);
            if (name != null) read.put(name, new BertTensors.Tensor(name, t.shape(), t.values()));
        });
        // the read order is block by block; put the kept blocks in their new order
        Map<String, BertTensors.Tensor> ordered = new LinkedHashMap<>();
        read.forEach((k, v) -> { if (!k.startsWith("encoder.")) ordered.put(k, v); });
        for (int i = 0; i < keep.length; i++) {
            String p = BertTensors.layer(i);
            read.forEach((k, v) -> { if (k.startsWith(p)) ordered.put(k, v); });
        }
        BertConfig c = new BertConfig(full.vocabSize(), full.hidden(), keep.length, full.heads(), full.intermediate(),
                full.maxPositions(), full.typeVocab(), full.layerNormEps());
        Map<String, BertTensors.Tensor> sliced = ordered;
        int[] channels = null;
        if (student != null && (student.hidden() != c.hidden() || student.intermediate() != c.intermediate())) {
            BertSlice slice = BertSlice.strongest(ordered, full, student, scratch);
            sliced = slice.apply(ordered, full);
            channels = slice.channels();
            c = student;
        }
        Map<String, NDArray> params = new LinkedHashMap<>();
        sliced.forEach((k, t) -> params.put(k, manager.create(t.values(), new Shape(t.shape()))));
        return new DjlBert(c, params, channels);
    }

    /** The student name of a teacher tensor, or null when its block is not kept. */
    private static String renumber(String name, int[] keep) {
        if (!name.startsWith("encoder.layer.")) return name;
        int dot = name.indexOf('.', "encoder.layer.".length());
        int teacher = Integer.parseInt(name.substring("encoder.layer.".length(), dot));
        for (int i = 0; i < keep.length; i++) {
            if (keep[i] == teacher) return BertTensors.layer(i) + name.substring(dot + 1);
        }
        return null;
    }

    public BertConfig config() { return config; }

    /** Student channel j is the teacher's channel {@code channels()[j]}; null at the teacher's width. */
    public int[] channels() { return channels == null ? null : channels.clone(); }

    /** Every tensor by Hugging Face name, embeddings first, then block by block. */
    public Map<String, NDArray> parameters() { return params; }

    private NDArray p(String name) {
        NDArray a = params.get(name);
        if (a == null) throw new IllegalStateException("no parameter " + name);
        return a;
    }

    /**
     * Final hidden states [B, T, H].
     *
     * @param ids  token ids [B, T], int64, padded at the end
     * @param mask [B, T] float32: 1 for a token, 0 for padding
     */
    public NDArray hidden(NDArray ids, NDArray mask) {
        long b = ids.getShape().get(0), t = ids.getShape().get(1);
        if (t > config.maxPositions()) {
            throw new WeightclassException("batch of " + t + " tokens; the model takes at most " + config.maxPositions());
        }
        int h = config.hidden(), heads = config.heads(), hd = config.headDim();
        NDArray x = Embedding.embedding(ids, p("embeddings.word_embeddings.weight"), SparseFormat.DENSE).singletonOrThrow();
        x = x.add(p("embeddings.position_embeddings.weight").get("0:" + t));   // [T, H] broadcast over B
        if (params.containsKey("embeddings.token_type_embeddings.weight")) {
            x = x.add(p("embeddings.token_type_embeddings.weight").get(0));      // type 0: [H]
        }
        x = norm(x, "embeddings.LayerNorm");
        NDArray padding = mask.sub(1).mul(-PADDING).reshape(b, 1, 1, t);      // [B, 1, 1, T]
        float scale = (float) (1 / Math.sqrt(hd));
        for (int l = 0; l < config.layers(); l++) {
            String pre = BertTensors.layer(l);
            NDArray q = split(linear(x, pre + "attention.self.query"), b, t, heads, hd);   // [B, heads, T, hd]
            NDArray k = split(linear(x, pre + "attention.self.key"), b, t, heads, hd);
            NDArray v = split(linear(x, pre + "attention.self.value"), b, t, heads, hd);
            NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).mul(Torch.scalar(q, scale)).add(padding);   // [B, heads, T, T]
            NDArray ctx = scores.softmax(-1).matMul(v).transpose(0, 2, 1, 3).reshape(b, t, h);
            x = norm(x.add(linear(ctx, pre + "attention.output.dense")), pre + "attention.output.LayerNorm");
            NDArray up = gelu(linear(x, pre + "intermediate.dense"));                      // [B, T, F]
            x = norm(x.add(linear(up, pre + "output.dense")), pre + "output.LayerNorm");
        }
        return x;
    }

    /** L2-normalised mean-pooled sentence embeddings [B, H], as the runtime computes them. */
    public NDArray embed(NDArray ids, NDArray mask) {
        return normalize(meanPool(hidden(ids, mask), mask));
    }

    /** Mean over each sentence's tokens: sum(x * mask) / count. [B, T, H] -> [B, H] */
    public static NDArray meanPool(NDArray hidden, NDArray mask) {
        NDArray m = mask.expandDims(2);                                        // [B, T, 1]
        return hidden.mul(m).sum(new int[] {1}).div(m.sum(new int[] {1}).maximum(Torch.scalar(m, 1f)));
    }

    /** Each row divided by its L2 norm (at least 1e-12, as the runtime). */
    public static NDArray normalize(NDArray x) {
        return x.div(x.norm(new int[] {-1}, true).maximum(Torch.scalar(x, 1e-12f)));
    }

    private NDArray linear(NDArray x, String name) {
        return Linear.linear(x, p(name + ".weight"), p(name + ".bias")).singletonOrThrow();
    }

    private NDArray norm(NDArray x, String name) {
        return LayerNorm.layerNorm(x, new Shape(config.hidden()), p(name + ".weight"), p(name + ".bias"),
                config.layerNormEps()).singletonOrThrow();
    }

    /** [B, T, H] -> [B, heads, T, hd] */
    private static NDArray split(NDArray x, long b, long t, int heads, int hd) {
        return x.reshape(b, t, heads, hd).transpose(0, 2, 1, 3);
    }

    /** 0.5 x (1 + erf(x / sqrt 2)): BERT's exact GELU. */
    static NDArray gelu(NDArray x) {
        return x.mul(x.mul(Torch.scalar(x, (float) (1 / Math.sqrt(2)))).erf().add(Torch.scalar(x, 1f)))
                .mul(Torch.scalar(x, 0.5f));
    }
}
