package dev.weightclass.runtime.bert;

import dev.weightclass.WeightclassException;
import dev.weightclass.format.ModelFile;

import java.io.IOException;
import java.util.Locale;

/**
 * A float32 BERT encoder's weights under the Hugging Face {@code BertModel} names and layouts
 * (Linear weights [out, in]), whatever file they came from (ONNX or safetensors): what training a
 * student from a teacher and writing a checkpoint both need. Tensors are handed over one at a time,
 * so only one is copied out of the mapped file at once.
 */
public final class BertTensors {
    private BertTensors() {}

    /** One tensor: row-major values, outermost dimension first. */
    public record Tensor(String name, long[] shape, float[] values) {}

    @FunctionalInterface
    public interface Sink {
        void accept(Tensor t) throws IOException;
    }

    /** The encoder's shape, from its weights. */
    public static BertConfig config(ModelFile file) throws IOException {
        return BertModel.weights(file).config();
    }

    /** Name prefix of block {@code l}'s tensors. */
    public static String layer(int l) {
        return "encoder.layer." + l + ".";
    }

    /**
     * Every tensor in Hugging Face order: embeddings (word, position, token type, LayerNorm), then per
     * layer query, key, value, attention output, its LayerNorm, intermediate, output, its LayerNorm.
     * Linear layers without a bias and LayerNorms without a shift get zeros.
     */
    public static void read(ModelFile file, Sink sink) throws IOException {
        BertWeights w = BertModel.weights(file);
        if (!w.kind().equals("f32")) {
            throw new WeightclassException(file.path() + ": the encoder's dense layers are " + w.kind()
                    + "; training needs a float32 model (use the unquantized file)");
        }
        table(sink, "embeddings.word_embeddings.weight", w.word());
        table(sink, "embeddings.position_embeddings.weight", w.position());
        if (w.type() != null) table(sink, "embeddings.token_type_embeddings.weight", w.type());
        norm(sink, "embeddings.LayerNorm", w.embeddingNorm());
        for (int l = 0; l < w.layers().size(); l++) {
            BertWeights.Layer x = w.layers().get(l);
            String p = layer(l);
            linear(sink, p + "attention.self.query", x.query());
            linear(sink, p + "attention.self.key", x.key());
            linear(sink, p + "attention.self.value", x.value());
            linear(sink, p + "attention.output.dense", x.attentionOut());
            norm(sink, p + "attention.output.LayerNorm", x.attentionNorm());
            linear(sink, p + "intermediate.dense", x.up());
            linear(sink, p + "output.dense", x.down());
            norm(sink, p + "output.LayerNorm", x.outputNorm());
        }
    }

    /** A {@code config.json} for a Hugging Face BertModel of this shape (exact GELU, as the runtime runs). */
    public static String configJson(BertConfig c) {
        return String.format(Locale.ROOT, """
                {
                  "architectures": ["BertModel"],
                  "model_type": "bert",
                  "vocab_size": %d,
                  "hidden_size": %d,
                  "num_hidden_layers": %d,
                  "num_attention_heads": %d,
                  "intermediate_size": %d,
                  "max_position_embeddings": %d,
                  "type_vocab_size": %d,
                  "hidden_act": "gelu",
                  "layer_norm_eps": %s,
                  "torch_dtype": "float32"
                }
                """, c.vocabSize(), c.hidden(), c.layers(), c.heads(), c.intermediate(), c.maxPositions(),
                c.typeVocab(), Float.toString(c.layerNormEps()));
    }

    private static void table(Sink sink, String name, EmbeddingTable t) throws IOException {
        float[] v = new float[Math.multiplyExact(t.rows(), t.width())];
        for (int r = 0; r < t.rows(); r++) t.row(r, v, r * t.width());
        sink.accept(new Tensor(name, new long[] {t.rows(), t.width()}, v));
    }

    private static void norm(Sink sink, String name, LayerNorm n) throws IOException {
        int h = n.gamma().length;
        sink.accept(new Tensor(name + ".weight", new long[] {h}, n.gamma().clone()));
        sink.accept(new Tensor(name + ".bias", new long[] {h}, n.beta() == null ? new float[h] : n.beta().clone()));
    }

    /** ONNX MatMul keeps [in, out]; PyTorch Linear stores [out, in]. */
    private static void linear(Sink sink, String name, Linear l) throws IOException {
        F32Linear f = (F32Linear) l;
        int in = f.in(), out = f.out();
        float[] t = new float[Math.multiplyExact(in, out)];
        if (f.inMajor()) {
            for (int i = 0; i < in; i++) {
                for (int o = 0; o < out; o++) t[o * in + i] = f.w().getAtIndex(ScalarBertKernels.F32, (long) i * out + o);
            }
        } else {
            java.lang.foreign.MemorySegment.copy(f.w(), ScalarBertKernels.F32, 0, t, 0, t.length);
        }
        sink.accept(new Tensor(name + ".weight", new long[] {out, in}, t));
        sink.accept(new Tensor(name + ".bias", new long[] {out}, f.bias() == null ? new float[out] : f.bias().clone()));
    }
}
