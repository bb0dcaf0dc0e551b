package dev.weightclass.distill;

import dev.weightclass.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class DistillCommandTest {

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void helpTeachesTheOptions() {
        Run r = run("distill", "--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("--layers", "--init-layers", "--dim", "--init", "multiple of", "--alpha", "--temperature", "--resume", "--generate",
                "T^2 * KL");
    }

    @Test
    void theModuleReplacesTheStandIn() {
        Run r = run("--help");
        assertThat(r.out()).contains("distill");
        assertThat(run("distill", "x.gguf").err()).doesNotContain("not on the class path");
    }

    @Test
    void badOptionsGiveOneLineAndExitTwo(@TempDir Path dir) throws Exception {
        Path teacher = Files.writeString(dir.resolve("t.gguf"), "not a model");
        Path data = Files.writeString(dir.resolve("d.txt"), "some text");
        String out = dir.resolve("s.gguf").toString();
        String[][] cases = {
                {"distill", teacher.toString(), "--data", data.toString(), "-o", out, "--alpha", "1.5"},
                {"distill", teacher.toString(), "--data", data.toString(), "-o", out, "--steps", "0"},
                {"distill", teacher.toString(), "--data", dir.resolve("missing.txt").toString(), "-o", out},
                {"distill", teacher.toString(), "--data", data.toString(), "-o", dir.resolve("no/s.gguf").toString()},
                {"distill", teacher.toString(), "--data", data.toString(), "-o", out, "--resume"},
                {"distill", teacher.toString(), "--data", data.toString(), "-o", out},
        };
        for (String[] c : cases) {
            Run r = run(c);
            assertThat(r.code()).as(String.join(" ", c)).isEqualTo(2);
            assertThat(r.err().strip().lines().count()).as(r.err()).isEqualTo(1);
            assertThat(Files.exists(dir.resolve("s.gguf"))).isFalse();
        }
    }

    @Test
    void layerSelectionTakesEveryKthBlockAndRefusesALargerStudent() {
        assertThat(LayerSelection.choose(4, 2, null)).containsExactly(0, 2);
        assertThat(LayerSelection.choose(6, 3, null)).containsExactly(0, 2, 4);
        assertThat(LayerSelection.choose(4, null, new int[] {0, 3})).containsExactly(0, 3);
        assertThat(LayerSelection.choose(4, null, null)).containsExactly(0, 1, 2, 3);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LayerSelection.choose(4, 5, null))
                .hasMessageContaining("larger than the teacher");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LayerSelection.choose(4, null, new int[] {0, 4}))
                .hasMessageContaining("layer 4 is out of range");
    }
}
