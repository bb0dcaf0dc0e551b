package dev.weightclass.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class PickCommandTest {

    static FitCommandTest.Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new FitCommandTest.Run(code, out.toString(), err.toString());
    }

    @Test
    void ranksFittingVariantsByExpectedScoreThenSize(@TempDir Path dir) throws Exception {
        Path scores = dir.resolve("scores.json");
        // a user score for a model the built-in file leaves unscored
        Files.writeString(scores, "{\"scores\": [{\"model\": \"smollm2-360m\", \"score\": 99, \"metric\": \"my eval\","
                + " \"source\": \"us\"}]}");
        FitCommandTest.Run r = run("pick", "--device", "Galaxy A15", "--ctx", "1024", "--min-tokens-per-second", "5",
                "--scores", scores.toString(), "--top", "500", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        JsonNode c = j.get("candidates");
        assertThat(c.size()).isPositive();
        assertThat(c.get(0).get("model").asText()).isEqualTo("smollm2-360m");
        assertThat(c.get(0).get("metric").asText()).isEqualTo("my eval");
        double prev = Double.MAX_VALUE;
        long budget = 0;
        boolean unscored = false;
        for (JsonNode x : c) {
            assertThat(x.get("decode_tokens_per_second").asDouble()).isGreaterThanOrEqualTo(5);
            assertThat(x.get("headroom_bytes").asLong()).isNotNegative();
            assertThat(x.get("model").asText()).isNotIn("bert-base", "distilbert", "all-minilm-l6-v2");
            if (x.get("expected_score").isNull()) {
                unscored = true;
                continue;
            }
            assertThat(unscored).as("scored candidates come first").isFalse();
            double s = x.get("expected_score").asDouble();
            assertThat(s).isLessThanOrEqualTo(prev);
            assertThat(s).isLessThanOrEqualTo(x.get("score").asDouble());
            prev = s;
        }
        // a 4 GB phone cannot hold a 7B model in any variant
        for (JsonNode x : c) assertThat(x.get("model").asText()).doesNotMatch(".*-(7|8|9|13|70)b");
    }

    @Test
    void badInputIsOneLineAndExitTwo(@TempDir Path dir) throws Exception {
        FitCommandTest.Run none = run("pick");
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.err()).contains("pick needs --device");
        FitCommandTest.Run unknown = run("pick", "--device", "iPhone 51 Pro");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("did you mean 'Apple iPhone 15 Pro'");
        Path bad = dir.resolve("s.json");
        Files.writeString(bad, "{\"scores\": [{\"model\": \"x\", \"score\": \"high\"}]}");
        FitCommandTest.Run scores = run("pick", "--device", "M2", "--scores", bad.toString());
        assertThat(scores.code()).isEqualTo(2);
        assertThat(scores.err().strip()).doesNotContain("\n").contains("score 1 (x): \"score\" must be a number");
    }
}
