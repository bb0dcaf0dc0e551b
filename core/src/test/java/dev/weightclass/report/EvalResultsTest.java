package dev.weightclass.report;

import dev.weightclass.WeightclassException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EvalResultsTest {

    static EvalResults.Point p(String name, long bytes, double v) {
        return new EvalResults.Point(name, bytes, v, false, Map.of());
    }

    @Test
    void paretoFrontKeepsPointsNoSmallerPointBeats() {
        List<EvalResults.Point> marked = EvalResults.pareto(List.of(
                p("f16", 1000, 5.00), p("q8", 530, 5.01), p("q6", 410, 5.05), p("q5-bad", 450, 5.20),
                p("q4", 280, 5.30), p("q3", 220, 5.90), p("q2-worse", 230, 6.50)));
        assertThat(marked).extracting(EvalResults.Point::name)
                .containsExactly("q3", "q2-worse", "q4", "q6", "q5-bad", "q8", "f16");
        assertThat(marked.stream().filter(EvalResults.Point::pareto).map(EvalResults.Point::name))
                .containsExactly("q3", "q4", "q6", "q8", "f16");
    }

    @Test
    void equalSizeKeepsOnlyTheBetterPoint() {
        var marked = EvalResults.pareto(List.of(p("a", 100, 2.0), p("b", 100, 1.5)));
        assertThat(marked.get(0).name()).isEqualTo("b");
        assertThat(marked.get(0).pareto()).isTrue();
        assertThat(marked.get(1).pareto()).isFalse();
    }

    @Test
    void readsEvalJsonPlusBytesAndTakesFileSizesForMissingBytes(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("m-q4_0.gguf");
        Files.write(model, new byte[1234]);
        Path f = dir.resolve("results.json");
        Files.writeString(f, """
                {"metric": "mean_kl", "variants": [
                  {"model": "m-q4_0.gguf", "ctx": 128, "perplexity": 6.1, "mean_kl": 0.026},
                  {"name": "Q8_0", "bytes": 5000, "perplexity": 5.8, "mean_kl": 0.0001}
                ]}""");
        EvalResults r = EvalResults.read(f, null);
        assertThat(r.metric()).isEqualTo("mean_kl");
        assertThat(r.variants()).extracting(EvalResults.Point::name).containsExactly("m-q4_0.gguf", "Q8_0");
        assertThat(r.variants().getFirst().bytes()).isEqualTo(1234);
        assertThat(r.variants()).allMatch(EvalResults.Point::pareto);
        assertThat(EvalResults.read(f, "perplexity").variants().getFirst().value()).isEqualTo(6.1);
    }

    @Test
    void badFilesNameTheVariantAndField(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("r.json");
        Files.writeString(f, "{\"variants\": [{\"name\": \"Q4\", \"bytes\": 10}]}");
        assertThatThrownBy(() -> EvalResults.read(f, null)).isInstanceOf(WeightclassException.class)
                .hasMessageContaining("variant 1 (Q4)").hasMessageContaining("'perplexity'");
        Files.writeString(f, "{\"variants\": [{\"name\": \"Q4\", \"perplexity\": 3}]}");
        assertThatThrownBy(() -> EvalResults.read(f, null)).hasMessageContaining("missing 'bytes'");
        Files.writeString(f, "{\"variants\": [");
        assertThatThrownBy(() -> EvalResults.read(f, null)).hasMessageContaining("not valid JSON");
        Files.writeString(f, "{\"metric\": \"bleu\", \"variants\": [{\"name\": \"a\", \"bytes\": 1}]}");
        assertThatThrownBy(() -> EvalResults.read(f, null)).hasMessageContaining("metric must be one of");
    }
}
