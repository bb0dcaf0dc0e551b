package dev.weightclass.cli;

import dev.weightclass.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code weightclass quantize} end to end: whole output files equal llama-quantize's. */
class QuantizeCommandTest {

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter o = new StringWriter(), e = new StringWriter();
        int code = Main.run(args, new PrintWriter(o, true), new PrintWriter(e, true));
        return new Run(code, o.toString(), e.toString());
    }

    @Test
    void presetMixtureGivesLlamaQuantizesFile(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("q4km.gguf");
        Run r = run("quantize", SharedData.golden("synth-a-f32.gguf").toString(), "-o", out.toString(),
                "--type", "q4_k_m", "--threads", "2");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("wrote").contains("Q4_K_M");
        assertThat(Files.mismatch(out, SharedData.golden("synth-a.Q4_K_M.gguf"))).isEqualTo(-1);
    }

    @Test
    void fallbacksForOddRowLengthsMatchLlamaQuantize(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("a.gguf");
        Run r = run("quantize", SharedData.golden("aidreams260K-f32.gguf").toString(), "-o", out.toString(),
                "--type", "Q4_K_M");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("28 of 38 tensor(s) required fallback");
        assertThat(Files.mismatch(out, SharedData.golden("aidreams260K.Q4_K_M.llamacpp.gguf"))).isEqualTo(-1);
    }

    @Test
    void pureWithTensorTypeOverride(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("p.gguf");
        Run r = run("quantize", SharedData.golden("aidreams260K-f32.gguf").toString(), "-o", out.toString(),
                "--type", "q5_1", "--pure", "--tensor-type", "ffn_down=f16");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Files.mismatch(out, SharedData.golden("aidreams260K.Q5_1.pure.llamacpp.gguf"))).isEqualTo(-1);
    }

    @Test
    void dryRunPrintsThePlanAndTheExactSizeAndWritesNothing(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("never.gguf");
        Run r = run("quantize", SharedData.golden("synth-a-f32.gguf").toString(), "-o", out.toString(),
                "--type", "Q3_K_M", "--dry-run");
        assertThat(r.code()).as(r.err()).isZero();
        long golden = Files.size(SharedData.golden("synth-a.Q3_K_M.gguf"));
        assertThat(r.out()).contains(String.format("output: %,d bytes", golden)).contains("output.weight");
        assertThat(out).doesNotExist();
    }

    @Test
    void legacyTypeOnOddRowsFailsLikeLlamaQuantizeAndLeavesNoFile(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("bad.gguf");
        Run r = run("quantize", SharedData.golden("aidreams260K-f32.gguf").toString(), "-o", out.toString(),
                "--type", "q4_0");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("ffn_down").doesNotContain("\tat ");
        assertThat(r.err().lines().count()).isEqualTo(1);
        try (var files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void badArgumentsAreOneLineExitTwo(@TempDir Path dir) throws IOException {
        Path in = dir.resolve("in.gguf");
        Files.copy(SharedData.golden("aidreams260K-f32.gguf"), in);
        Run same = run("quantize", in.toString(), "-o", in.toString(), "--type", "q8_0");
        assertThat(same.code()).isEqualTo(2);
        assertThat(same.err()).contains("overwrite the input");
        Run unknown = run("quantize", in.toString(), "-o", dir.resolve("o.gguf").toString(), "--type", "q4_z");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("unknown quantization type").contains("Q4_K_M");
        Run missingDir = run("quantize", in.toString(), "-o", dir.resolve("no/such/dir/o.gguf").toString(), "--type", "q8_0");
        assertThat(missingDir.code()).isEqualTo(2);
        assertThat(missingDir.err().lines().count()).isEqualTo(1);
    }

    @Test
    void unwritableFolderAndSameFileAreOneLineExitTwo(@TempDir Path dir) throws IOException {
        Path in = SharedData.golden("aidreams260K-f32.gguf");
        // /proc takes no new files, not even from root
        Run unwritable = run("quantize", in.toString(), "-o", "/proc/weightclass-out.gguf", "--type", "q8_0",
                "--tensor-type", "ffn_down=f16");
        assertThat(unwritable.code()).isEqualTo(2);
        assertThat(unwritable.err().lines().toList()).singleElement().asString().contains("cannot write in /proc");
        Path link = dir.resolve("link.gguf");
        Files.createSymbolicLink(link, in);
        Run same = run("quantize", in.toString(), "-o", link.toString(), "--type", "f16");
        assertThat(same.code()).isEqualTo(2);
        assertThat(same.err().lines().toList()).singleElement().asString().contains("overwrite the input");
        assertThat(Files.isSymbolicLink(link)).isTrue();
    }
}
