package dev.weightclass.distill.decoder;

import dev.weightclass.SharedData;
import dev.weightclass.cli.Main;
import dev.weightclass.format.ModelFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code weightclass distill} on aidreams260K: a short run, and bad input answered in one line. */
class DecoderCommandTest {

    record Run(int code, String out, String err) {}

    static Run run(List<String> args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(args.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    static List<String> args(Path dir, String... extra) {
        List<String> a = new ArrayList<>(List.of("distill", SharedData.data("aidreams260K/aidreams260K-f32.gguf").toString(),
                "--data", SharedData.data("aidreams260K/aidreams260K_teacher_samples.txt").toString(),
                "-o", dir.resolve("student.gguf").toString(), "--threads", "1", "-q"));
        a.addAll(List.of(extra));
        return a;
    }

    @Test
    void shortRunWritesAModelTheOtherCommandsRead(@TempDir Path dir) throws Exception {
        Run r = run(args(dir, "--layers", "2", "--steps", "4", "--batch", "8", "--eval-every", "2", "--top-k", "8",
                "--ffn", "128", "--teacher-cache", dir.resolve("teacher.topk").toString()));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("student: 2 blocks from teacher blocks 0,2, FFN 128", "parameters", "heldout_nll");
        for (String f : List.of("student.gguf", "student.ckpt", "student-loss.csv", "student-loss.png", "teacher.topk")) {
            assertThat(dir.resolve(f)).exists();
        }
        try (ModelFile m = ModelFile.open(dir.resolve("student.gguf"))) {
            assertThat(m.hyperparameters().layers()).isEqualTo(2);
            assertThat(m.hyperparameters().ffnWidth()).isEqualTo(128);
        }
        assertThat(Files.readAllLines(dir.resolve("student-loss.csv"))).hasSize(1 + 1 + 4); // header, before, 4 steps
        // the same run again reuses the cached teacher logits and --resume of a finished run changes nothing
        Run again = run(args(dir, "--layers", "2", "--steps", "4", "--batch", "8", "--eval-every", "2", "--top-k", "8",
                "--ffn", "128", "--teacher-cache", dir.resolve("teacher.topk").toString(), "--resume"));
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(again.out()).contains("trained 4 steps");
    }

    @Test
    void badInputGivesOneLineAndExitTwo(@TempDir Path dir) throws Exception {
        Path otherCache = dir.resolve("other.topk");
        new TeacherCache(1, new float[0][], new int[0][]).save(otherCache, "tokenizer gpt2 of 50257 tokens #1", "x", 2);
        Object[][] cases = {
                {new String[] {"--layers", "5"}, "larger than the teacher"},
                {new String[] {"--init-layers", "0,7"}, "layer 7 is out of range"},
                {new String[] {"--layers", "2", "--ffn", "500"}, "larger than the teacher"},
                {new String[] {"--layers", "2", "--dim", "80"}, "larger than the teacher: --dim 80"},
                {new String[] {"--layers", "2", "--dim", "50"}, "--dim must be a multiple of 16, e.g. 48"},
                {new String[] {"--dim", "64"}, "would not be smaller than the teacher (230,976 parameters"},
                {new String[] {"--layers", "2", "--init", "random"}, "--init must be slice or scratch"},
                {new String[] {"--layers", "2", "--init", "scratch"}, "nothing is narrowed"},
                {new String[] {"--layers", "2", "--batch", "1000"}, "data too short for one batch"},
                {new String[] {"--layers", "2", "--teacher-cache", otherCache.toString()}, "mismatched tokenizers"},
                {new String[] {"--layers", "2", "--vocab", "300"}, "mismatched tokenizers: --vocab 300 is smaller than the"},
                {new String[] {"--layers", "2", "--vocab", "512"}, "not smaller than the teacher's 512 tokens"},
                {new String[] {"--layers", "2", "--vocab", "many"}, "--vocab must be a number of tokens or auto"},
        };
        for (Object[] c : cases) {
            Run r = run(args(dir, (String[]) c[0]));
            assertThat(r.code()).as(r.err()).isEqualTo(2);
            assertThat(r.err().strip()).doesNotContain("\n").contains((String) c[1]);
            assertThat(dir.resolve("student.gguf")).doesNotExist();
        }
    }
}
