package dev.weightclass.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weightclass.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code quantize --target-size / --target-bpw / --fit}: the budget holds and the prediction is exact. */
class QuantizeTargetTest {

    static Path synth() { return SharedData.golden("synth-a-f32.gguf"); }

    static long predicted(String out) {
        var m = java.util.regex.Pattern.compile("output: ([0-9,]+) bytes").matcher(out);
        assertThat(m.find()).as(out).isTrue();
        return Long.parseLong(m.group(1).replace(",", ""));
    }

    @Test
    void fileIsWithinTargetSizeExactlyAsPredictedAndTighterTargetsGiveSmallerFiles(@TempDir Path dir) throws IOException {
        long previous = Long.MAX_VALUE;
        for (long target : new long[] {1_500_000, 1_000_000, 700_000}) {
            Path out = dir.resolve(target + ".gguf");
            QuantizeCommandTest.Run r = QuantizeCommandTest.run("quantize", synth().toString(), "-o", out.toString(),
                    "--target-size", Long.toString(target), "--threads", "2");
            assertThat(r.code()).as(r.err()).isZero();
            long size = Files.size(out);
            assertThat(size).isLessThanOrEqualTo(target).isEqualTo(predicted(r.out())).isLessThan(previous);
            assertThat(r.out()).contains("target: ").contains("blk.0.ffn_down.weight");
            previous = size;
        }
    }

    @Test
    void bitsPerWeightAndJsonReport(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("bpw.gguf");
        QuantizeCommandTest.Run r = QuantizeCommandTest.run("quantize", synth().toString(), "-o", out.toString(),
                "--target-bpw", "4.5", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        long elements = 0;
        for (JsonNode t : j.get("tensors")) {
            long n = 1;
            for (JsonNode d : t.get("shape")) n *= d.asLong();
            elements += n;
            assertThat(t.has("rmse")).isTrue();
            if (t.get("from").asText().equals(t.get("to").asText())) assertThat(t.get("rmse").asDouble()).isZero();
            else assertThat(t.get("max_abs_error").asDouble()).isPositive();
        }
        assertThat(j.get("target_bytes").asLong()).isEqualTo((long) Math.floor(4.5 * elements / 8));
        assertThat(Files.size(out)).isEqualTo(j.get("predicted_bytes").asLong())
                .isLessThanOrEqualTo(j.get("target_bytes").asLong());
    }

    @Test
    void infeasibleTargetIsOneLineExitTwoAndNoFile(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("never.gguf");
        QuantizeCommandTest.Run r = QuantizeCommandTest.run("quantize", synth().toString(), "-o", out.toString(),
                "--target-size", "100KB");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().lines().toList()).singleElement().asString().contains("target 100,000 bytes is below the smallest");
        assertThat(out).doesNotExist();
    }

    @Test
    void fitDeviceDryRunPrintsPlanAndSize(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("fit.gguf");
        QuantizeCommandTest.Run r = QuantizeCommandTest.run("quantize", synth().toString(), "-o", out.toString(),
                "--fit", "Google Pixel 8", "--ctx", "512", "--dry-run");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("--fit Google Pixel 8 --ctx 512");
        assertThat(predicted(r.out())).isPositive();
        assertThat(out).doesNotExist();
    }
}
