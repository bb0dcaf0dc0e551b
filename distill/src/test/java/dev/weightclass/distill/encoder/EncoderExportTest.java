package dev.weightclass.distill.encoder;

import dev.weightclass.eval.StsEvaluation;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.weightclass.format.BundledModels;
import dev.weightclass.format.ModelFile;
import dev.weightclass.runtime.bert.SentenceEncoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A student written out is a normal model: core's runtime embeds with it exactly as training did. */
class EncoderExportTest {

    static { EncoderTestData.init(); }

    @Test
    void exportedStudentEmbedsInTheRuntimeAsInTraining(@TempDir Path dir) throws Exception {
        Path onnx = BundledModels.extract(BundledModels.MINILM_L6_V2);
        List<String> sentences = EncoderTestData.stsDevSentences().subList(100, 124);
        float[][] inTraining;
        List<int[]> ids = new ArrayList<>();
        try (SentenceEncoder teacher = SentenceEncoder.open(onnx, 1); NDManager m = NDManager.newBaseManager()) {
            for (String s : sentences) ids.add(teacher.tokens(s));
            DjlBert student = DjlBert.load(teacher.file(), new int[] {1, 3, 5}, m);
            // as if trained: the written values must be the current ones, not the teacher's
            NDArray w = student.parameters().get("encoder.layer.1.intermediate.dense.weight");
            w.addi(m.randomNormal(0, 0.02f, w.getShape(), w.getDataType()));
            TokenBatch batch = TokenBatch.of(ids, m);
            inTraining = EncoderTestData.rows(student.embed(batch.ids(), batch.mask()));
            EncoderExport.write(student, dir, onnx);
        }
        assertThat(dir.resolve("tokenizer.json")).exists();
        try (SentenceEncoder exported = SentenceEncoder.open(dir, 2)) {
            assertThat(exported.model().config().layers()).isEqualTo(3);
            float[][] runtime = exported.embed(sentences);
            for (int i = 0; i < sentences.size(); i++) {
                assertThat(exported.tokens(sentences.get(i))).isEqualTo(ids.get(i));
                assertThat(StsEvaluation.cosine(runtime[i], inTraining[i])).as(sentences.get(i)).isGreaterThan(1 - 1e-5);
            }
        }
        try (ModelFile f = ModelFile.open(dir)) {
            // embeddings 30522·384 + 512·384 + 2·384 + LayerNorm 2·384 = 11,918,592; a block:
            // 4 (384·384 + 384) + 2·384 + (384·1536 + 1536) + (1536·384 + 384) + 2·384 = 1,774,464
            assertThat(f.tensors().stream().mapToLong(t -> t.elements()).sum()).isEqualTo(11_918_592L + 3 * 1_774_464L);
            assertThat(f.hyperparameters().architecture()).isEqualTo("bert");
            assertThat(f.hyperparameters().layers()).isEqualTo(3);
        }
        assertThat(Files.size(dir.resolve("model.safetensors"))).isGreaterThan(4L * (11_918_592L + 3 * 1_774_464L));
    }
}
