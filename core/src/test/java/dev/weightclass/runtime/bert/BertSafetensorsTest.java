package dev.weightclass.runtime.bert;

import dev.weightclass.eval.StsEvaluation;
import dev.weightclass.SharedData;
import dev.weightclass.format.BundledModels;
import dev.weightclass.format.ModelFile;
import dev.weightclass.format.safetensors.SafetensorsWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
        BertConfig config;
        try (ModelFile f = ModelFile.open(onnx)) {
            config = BertTensors.config(f);
            List<SafetensorsWriter.Tensor> out = new ArrayList<>();
            BertTensors.read(f, t -> out.add(SafetensorsWriter.Tensor.f32(t.name(), t.values(), t.shape())));
            assertThat(out).hasSize(5 + 16 * config.layers());
            SafetensorsWriter.write(dir.resolve("model.safetensors"), out, Map.of("format", "pt"));
        }
        Files.writeString(dir.resolve("config.json"), BertTensors.configJson(config));
        Files.copy(onnx.resolveSibling("tokenizer.json"), dir.resolve("tokenizer.json"));

        try (SentenceEncoder a = SentenceEncoder.open(onnx, 2); SentenceEncoder b = SentenceEncoder.open(dir, 2)) {
            assertThat(b.model().config()).isEqualTo(a.model().config());
            float[][] ea = a.embed(sentences), eb = b.embed(sentences);
            for (int i = 0; i < sentences.size(); i++) {
                assertThat(StsEvaluation.cosine(ea[i], eb[i])).as(sentences.get(i)).isGreaterThan(0.999999);
                for (int j = 0; j < ea[i].length; j++) assertThat(Math.abs(ea[i][j] - eb[i][j])).isLessThan(1e-5f);
            }
        }
    }
}
