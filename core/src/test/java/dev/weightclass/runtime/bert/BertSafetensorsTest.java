package dev.weightclass.runtime.bert;

import dev.weightclass.SharedData;
import dev.weightclass.format.BundledModels;
import dev.weightclass.format.ModelFile;
import dev.weightclass.format.onnx.OnnxFile;
import dev.weightclass.format.safetensors.SafetensorsWriter;
import dev.weightclass.tensor.TensorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** MiniLM's weights written as a Hugging Face BertModel checkpoint give the same embeddings as the ONNX file. */
class BertSafetensorsTest {

    @Test
    void safetensorsCheckpointEmbedsLikeTheOnnxFile(@TempDir Path dir) throws Exception {
        Path onnx = BundledModels.extract(BundledModels.MINILM_L6_V2);
        List<String> sentences = OrtReference.sentences(SharedData.data("sts-benchmark/sts-dev.ccbysa-subset.tsv")).subList(0, 64);
        float[][] want;
        try (ModelFile f = ModelFile.open(onnx)) {
            BertWeights w = OnnxBertMapping.map((OnnxFile) f);
            List<SafetensorsWriter.Tensor> out = new ArrayList<>();
            table(out, "embeddings.word_embeddings.weight", w.word());
            table(out, "embeddings.position_embeddings.weight", w.position());
            table(out, "embeddings.token_type_embeddings.weight", w.type());
            norm(out, "embeddings.LayerNorm", w.embeddingNorm());
            for (int l = 0; l < w.layers().size(); l++) {
                BertWeights.Layer x = w.layers().get(l);
                String p = "encoder.layer." + l + ".";
                linear(out, p + "attention.self.query", x.query());
                linear(out, p + "attention.self.key", x.key());
                linear(out, p + "attention.self.value", x.value());
                linear(out, p + "attention.output.dense", x.attentionOut());
                norm(out, p + "attention.output.LayerNorm", x.attentionNorm());
                linear(out, p + "intermediate.dense", x.up());
                linear(out, p + "output.dense", x.down());
                norm(out, p + "output.LayerNorm", x.outputNorm());
            }
            SafetensorsWriter.write(dir.resolve("model.safetensors"), out, Map.of("format", "pt"));
        }
        Files.writeString(dir.resolve("config.json"), """
                {"architectures": ["BertModel"], "model_type": "bert", "hidden_size": 384, "num_hidden_layers": 6,
                 "num_attention_heads": 12, "intermediate_size": 1536, "max_position_embeddings": 512,
                 "type_vocab_size": 2, "vocab_size": 30522, "hidden_act": "gelu", "layer_norm_eps": 1e-12}
                """);
        Files.copy(onnx.resolveSibling("tokenizer.json"), dir.resolve("tokenizer.json"));

        try (SentenceEncoder a = SentenceEncoder.open(onnx, 2); SentenceEncoder b = SentenceEncoder.open(dir, 2)) {
            assertThat(b.model().config()).isEqualTo(a.model().config());
            float[][] ea = a.embed(sentences), eb = b.embed(sentences);
            for (int i = 0; i < sentences.size(); i++) {
                assertThat(OrtReference.cosine(ea[i], eb[i])).as(sentences.get(i)).isGreaterThan(0.999999);
                for (int j = 0; j < ea[i].length; j++) assertThat(Math.abs(ea[i][j] - eb[i][j])).isLessThan(1e-5f);
            }
        }
    }

    private static void table(List<SafetensorsWriter.Tensor> out, String name, EmbeddingTable t) {
        float[] v = new float[t.rows() * t.width()];
        for (int r = 0; r < t.rows(); r++) t.row(r, v, r * t.width());
        out.add(tensor(name, v, t.rows(), t.width()));
    }

    private static void norm(List<SafetensorsWriter.Tensor> out, String name, LayerNorm n) {
        out.add(tensor(name + ".weight", n.gamma(), n.gamma().length));
        out.add(tensor(name + ".bias", n.beta(), n.beta().length));
    }

    /** ONNX keeps [in, out]; PyTorch Linear stores [out, in]. */
    private static void linear(List<SafetensorsWriter.Tensor> out, String name, Linear l) {
        F32Linear f = (F32Linear) l;
        MemorySegment w = f.w();
        float[] t = new float[f.in() * f.out()];
        for (int i = 0; i < f.in(); i++) {
            for (int o = 0; o < f.out(); o++) t[o * f.in() + i] = w.getAtIndex(ScalarBertKernels.F32, (long) i * f.out() + o);
        }
        out.add(tensor(name + ".weight", t, f.out(), f.in()));
        out.add(tensor(name + ".bias", f.bias(), f.out()));
    }

    private static SafetensorsWriter.Tensor tensor(String name, float[] v, long... shape) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (float x : v) b.putFloat(x);
        b.flip();
        return new SafetensorsWriter.Tensor(name, TensorType.F32, shape, ch -> {
            ByteBuffer d = b.duplicate();
            while (d.hasRemaining()) ch.write(d);
        });
    }
}
