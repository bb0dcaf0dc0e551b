package dev.weightclass.distill.encoder;

import dev.weightclass.SharedData;
import dev.weightclass.distill.DistillOptions;
import dev.weightclass.distill.Job;
import dev.weightclass.distill.train.Torch;
import dev.weightclass.distill.train.TrainConfig;
import dev.weightclass.distill.train.Trainer;
import dev.weightclass.eval.StsEvaluation;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.weightclass.format.BundledModels;
import dev.weightclass.format.ModelFile;
import dev.weightclass.runtime.bert.SentenceEncoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
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

    /**
     * --dim 256 --ffn 768 from block 5: 8 of 12 heads, a projection to the teacher's width
     * for the loss; a few steps, then the exported folder embeds in core's runtime as in training.
     */
    @Test
    void narrowerStudentTrainsAndEmbedsInTheRuntimeAsInTraining(@TempDir Path dir) throws Exception {
        Path onnx = BundledModels.extract(BundledModels.MINILM_L6_V2);
        List<String> pairs = Files.readAllLines(SharedData.data("sts-benchmark/sts-train.ccbysa-subset.tsv")).subList(0, 33);
        Path data = Files.write(dir.resolve("pairs.tsv"), pairs); // header + 32 pairs: 64 sentences
        DistillOptions o = new DistillOptions();
        o.teacher = onnx;
        o.data = data;
        o.initLayers = new int[] {5};
        o.dim = 256;
        o.ffn = 768;
        o.init = "slice";
        o.holdout = 0.25;
        o.batch = 8;
        o.teacherCache = dir.resolve("teacher.emb");
        o.output = dir.resolve("student");
        StringWriter out = new StringWriter();
        List<String> sentences = EncoderTestData.stsDevSentences().subList(0, 16);
        float[][] inTraining;
        try (NDManager m = Torch.manager(2); ModelFile f = ModelFile.open(onnx)) {
            Job<?> job = new EncoderRecipe().prepare(f, o, m, new PrintWriter(out, true), new PrintWriter(StringWriter.nullWriter()));
            // embeddings (30522 + 512 + 2) * 256 + 2 * 256; a block 4 (256 * 256 + 256) + 4 * 256 + (256 * 768 + 768)
            // + (768 * 256 + 256); and the pooler 256 * 256 + 256, which the estimate counts as model cards do
            long block = 4 * (256 * 256 + 256) + 4 * 256 + (256 * 768 + 768) + (768 * 256 + 256);
            long weights = (30522 + 512 + 2) * 256 + 2 * 256 + block;
            assertThat(out.toString()).contains("width 256, 8 heads, FFN 768", "256 -> 384 projection",
                    String.format(java.util.Locale.ROOT, "parameters  %,d", weights + 256 * 256 + 256));
            EncoderStudent student = (EncoderStudent) job.student();
            assertThat(student.mse().weight().getShape()).isEqualTo(new ai.djl.ndarray.types.Shape(384, 256));
            Trainer.Result r = train(job, m);
            assertThat(r.history().steps()).hasSize(2);
            List<int[]> ids = new ArrayList<>();
            try (SentenceEncoder teacher = SentenceEncoder.open(onnx, 1)) {
                for (String s : sentences) ids.add(teacher.tokens(s));
            }
            try (NDManager s = m.newSubManager()) {
                for (NDArray a : student.model().parameters().values()) a.tempAttach(s);
                TokenBatch batch = TokenBatch.of(ids, s);
                inTraining = EncoderTestData.rows(student.model().embed(batch.ids(), batch.mask()));
            }
            student.export(o.output);
        }
        try (SentenceEncoder exported = SentenceEncoder.open(dir.resolve("student"), 2)) {
            assertThat(exported.model().config().hidden()).isEqualTo(256);
            assertThat(exported.model().config().heads()).isEqualTo(8);
            assertThat(exported.model().config().intermediate()).isEqualTo(768);
            float[][] runtime = exported.embed(sentences);
            for (int i = 0; i < sentences.size(); i++) {
                assertThat(runtime[i]).hasSize(256);
                assertThat(StsEvaluation.cosine(runtime[i], inTraining[i])).as(sentences.get(i)).isGreaterThan(1 - 1e-5);
            }
        }
        try (ModelFile f = ModelFile.open(dir.resolve("student"))) {
            long block = 4 * (256 * 256 + 256) + 4 * 256 + (256 * 768 + 768) + (768 * 256 + 256);
            assertThat(f.tensors().stream().mapToLong(t -> t.elements()).sum())
                    .as("the projection is for training only").isEqualTo((30522 + 512 + 2) * 256 + 2 * 256 + block);
        }
    }

    private static <B> Trainer.Result train(Job<B> job, NDManager m) throws java.io.IOException {
        return new Trainer<>(new TrainConfig(2, 1e-4, 1, 0.1, 0.01, 1.0, 0, 0, 0), job.student(), job.batches(), m).run();
    }
}
