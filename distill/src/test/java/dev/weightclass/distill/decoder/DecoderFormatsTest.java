package dev.weightclass.distill.decoder;

import ai.djl.ndarray.NDManager;
import dev.weightclass.SharedData;
import dev.weightclass.distill.DistillOptions;
import dev.weightclass.distill.Job;
import dev.weightclass.distill.train.Torch;
import dev.weightclass.distill.train.TrainConfig;
import dev.weightclass.distill.train.Trainer;
import dev.weightclass.format.ModelFile;
import dev.weightclass.format.ModelFormat;
import dev.weightclass.format.gguf.GgufValue;
import dev.weightclass.quant.HfTokenizers;
import dev.weightclass.runtime.LlamaConfig;
import dev.weightclass.runtime.tokenizer.Tokenizer;
import dev.weightclass.runtime.tokenizer.Tokenizers;
import dev.weightclass.size.ModelInspection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Teachers in the other format families (Hugging Face safetensors, llama2.c) with a smaller
 * vocabulary: the student trains, is written in the teacher's family, and core's runtime gives
 * the PyTorch student's logits and the teacher's tokenization from the written files alone.
 */
class DecoderFormatsTest {
    static NDManager m;

    @BeforeAll
    static void engine() { m = Torch.manager(1); }

    @AfterAll
    static void close() { m.close(); }

    /** Looked up per test, not in a static initializer: without ../shared the lookup skips the test. */
    static Path samples() { return SharedData.data("aidreams260K/aidreams260K_teacher_samples.txt"); }

    /**
     * aidreams260K's Hugging Face folder with a tokenizer.json made from its tok512.bin (the shared
     * folder has none), its weights and config.json copied beside it.
     */
    static Path hfTeacher(Path dir) throws IOException {
        Path hf = SharedData.data("aidreams260K/hf/model.safetensors").getParent();
        Path t = Files.createDirectories(dir.resolve("teacher"));
        Files.copy(hf.resolve("model.safetensors"), t.resolve("model.safetensors"));
        Files.copy(hf.resolve("config.json"), t.resolve("config.json"));
        Map<String, GgufValue> keys = HfTokenizers.fromFile(SharedData.data("aidreams260K/tok512.bin"), 512);
        Files.writeString(t.resolve("tokenizer.json"), TokenizerJson.write(keys), StandardCharsets.UTF_8);
        Files.writeString(t.resolve("tokenizer_config.json"), TokenizerJson.config(keys), StandardCharsets.UTF_8);
        return t;
    }

    static DistillOptions options(Path teacher, Path output) {
        DistillOptions o = DecoderTest.options(output.getParent());
        o.teacher = teacher;
        o.output = output;
        o.vocab = "auto";
        return o;
    }

    /** Trains 3 steps, exports, and checks the written student against the trained one. */
    static void trainExportAndReload(DistillOptions o, ModelFormat expected) throws IOException {
        List<String> texts = TextData.texts(samples());
        try (ModelFile f = ModelFile.open(o.teacher)) {
            StringWriter out = new StringWriter();
            Job<?> job = new DecoderRecipe().prepare(f, o, m, new PrintWriter(out, true), new PrintWriter(StringWriter.nullWriter()));
            assertThat(out.toString()).containsPattern("vocabulary: \\d+ of the teacher's 512 tokens");
            Trainer.Result r = run(job);
            assertThat(r.history().steps()).hasSize(3);
            job.student().export(o.output);
            TorchLlama student = ((DecoderStudent) job.student()).model();
            int vocab = student.config().vocabSize();
            assertThat(vocab).isLessThan(512);
            student.halfKv(true);
            Tokenizer teacherTok = Tokenizers.forModel(f);
            try (ModelFile exported = ModelFile.open(o.output)) {
                assertThat(exported.format()).isEqualTo(expected);
                assertThat(LlamaConfig.of(exported).vocabSize()).isEqualTo(vocab);
                assertThat(LlamaConfig.of(exported).layers()).isEqualTo(2);
                assertThat(ModelInspection.of(exported).parameters()).isEqualTo(student.parameterCount());
                Tokenizer studentTok = Tokenizers.forModel(exported);
                assertThat(studentTok.vocabSize()).isEqualTo(vocab);
                for (String s : texts) {
                    int[] a = teacherTok.encode(s, true), b = studentTok.encode(s, true);
                    assertThat(b.length).as(s).isEqualTo(a.length);
                    for (int i = 0; i < a.length; i++) assertThat(studentTok.piece(b[i])).isEqualTo(teacherTok.piece(a[i]));
                    assertThat(studentTok.decode(b)).isEqualTo(s);
                }
                int[] seq = studentTok.encode(texts.get(3), true);
                double[] d = DecoderTest.logitDifference(student, exported, seq, m);
                assertThat(d[0]).as("relative max").isLessThan(1e-4);
                assertThat(d[1]).as("mean").isLessThan(1e-5);
            }
        }
    }

    private static <B> Trainer.Result run(Job<B> job) throws IOException {
        return new Trainer<>(new TrainConfig(3, 2e-3, 1, 0.1, 0.01, 1.0, 0, 0, 0), job.student(), job.batches(), m).run();
    }

    @Test
    void safetensorsTeacherGivesASafetensorsStudentWithASmallerVocabulary(@TempDir Path dir) throws IOException {
        Path teacher = hfTeacher(dir);
        // the written tokenizer.json tokenizes as the GGUF teacher's own tokenizer
        Tokenizer gguf = Tokenizers.forModel(SharedData.data("aidreams260K/aidreams260K-f32.gguf"));
        Tokenizer hf = Tokenizers.forModel(teacher);
        for (String s : TextData.texts(samples())) assertThat(hf.encode(s, true)).isEqualTo(gguf.encode(s, true));

        Path out = dir.resolve("student");
        trainExportAndReload(options(teacher, out), ModelFormat.SAFETENSORS);
        assertThat(out.resolve("config.json")).content().contains("\"num_hidden_layers\" : 2");
        assertThat(out.resolve("tokenizer.json")).exists();
    }

    @Test
    void llama2cTeacherGivesAGgufStudentWithASmallerVocabulary(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("student.gguf");
        DistillOptions o = options(SharedData.data("aidreams260K/aidreams260K.bin"), out);
        o.generate = 20; // sampled texts may spell pieces with byte tokens: their own split must agree too
        trainExportAndReload(o, ModelFormat.GGUF);
    }
}
