package dev.weightclass.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weightclass.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code weightclass share} end to end on aidreams260K. */
class ShareCommandTest {

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter o = new StringWriter(), e = new StringWriter();
        int code = Main.run(args, new PrintWriter(o, true), new PrintWriter(e, true));
        return new Run(code, o.toString(), e.toString());
    }

    static String model() { return SharedData.data("aidreams260K/aidreams260K-f32.gguf").toString(); }

    static String text() { return SharedData.data("aidreams260K/aidreams260K_teacher_samples.txt").toString(); }

    @Test
    void palettizeReportsQualityAgainstUniformQuantization(@TempDir Path dir) throws Exception {
        Run r = run("share", model(), "--palettize", "8", "--text", text(), "--chunks", "6", "-t", "2", "--json",
                "-o", dir.resolve("p8.gguf").toString());
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.path("palettize").path("tensors").asInt()).isEqualTo(29);
        assertThat(j.path("palettize").path("bits_per_weight").asDouble()).isBetween(8.0, 8.6);
        JsonNode shared = j.path("quality").get(0), uniform = j.path("quality").get(1);
        assertThat(uniform.path("label").asText()).contains("Q8_0");
        // 8-bit tables are close to the original, as Q8_0 is
        assertThat(shared.path("mean_kl").asDouble()).isBetween(0.0, 0.005);
        assertThat(shared.path("top1_agreement").asDouble()).isGreaterThan(0.95);
        assertThat(shared.path("bytes").asLong()).isLessThan(uniform.path("bytes").asLong());
    }

    @Test
    void impossibleRequestsGiveOneLineAndExit2(@TempDir Path dir) {
        String out = dir.resolve("x.gguf").toString();
        Run bits = run("share", model(), "--palettize", "9", "-o", out);
        assertThat(bits.code()).isEqualTo(2);
        assertThat(bits.err().strip()).isEqualTo("weightclass: --palettize 9: bits must be 2..8");
        Run group = run("share", model(), "--palettize", "4", "--group", "5", "-o", out);
        assertThat(group.code()).isEqualTo(2);
        assertThat(group.err()).contains("--group 5 does not divide the").doesNotContain("Exception");
        Run nothing = run("share", model(), "--dedupe", "-o", out);
        assertThat(nothing.code()).isEqualTo(2);
        assertThat(nothing.err()).contains("nothing to share: no two tensors hold identical bytes");
        assertThat(dir.resolve("x.gguf")).doesNotExist();
    }

    @Test
    void crossLayerReportsAndWrites(@TempDir Path dir) {
        Run r = run("share", model(), "--cross-layer", "2", "--text", text(), "--chunks", "4", "-o", dir.resolve("x.gguf").toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("cross-layer   42 pairs").contains("shared 2 pair(s)").contains("quality       shared");
    }
}
