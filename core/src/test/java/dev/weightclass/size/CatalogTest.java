package dev.weightclass.size;

import dev.weightclass.WeightclassException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class CatalogTest {

    /** Parameter counts from the configs equal the published exact counts, for every catalog model. */
    @Test
    void everyCatalogModelHasItsPublishedParameterCount() {
        List<String> wrong = new ArrayList<>();
        for (Catalog.Entry e : Catalog.all()) {
            long p = e.spec().parameters();
            if (p != e.publishedParameters()) wrong.add(e.name() + ": " + p + " != " + e.publishedParameters());
        }
        assertThat(wrong).isEmpty();
        assertThat(Catalog.all()).hasSizeGreaterThanOrEqualTo(27);
    }

    @Test
    void theIssuesFourCountsHoldIndependentlyOfTheCatalogFile() {
        assertThat(Catalog.get("Llama-2-7B").spec().parameters()).isEqualTo(6_738_415_616L);
        assertThat(Catalog.get("mistral-7b").spec().parameters()).isEqualTo(7_241_732_096L);
        assertThat(Catalog.get("TinyLlama").spec().parameters()).isEqualTo(1_100_048_384L);
        ModelSpec qwen = Catalog.get("Qwen2-0.5B").spec();
        assertThat(qwen.parameters()).isEqualTo(494_032_768L);
        assertThat(qwen.hyperparameters().tiedEmbeddings()).isTrue();
        assertThat(qwen.ggufTensors()).noneMatch(t -> t.name().equals("output.weight"));
    }

    /** Predicted GGUF sizes stay within 0.5% of real published files (header estimated). */
    @Test
    void ggufSizesMatchPublishedFilesWithinHalfAPercent() {
        int checked = 0;
        List<String> report = new ArrayList<>();
        for (Catalog.Entry e : Catalog.all()) {
            for (Catalog.PublishedFile f : e.publishedFiles()) {
                SizeReport r = SizeEstimator.estimate(e.spec(), "catalog");
                long predicted = r.variant(f.type(), "gguf").orElseThrow().bytes();
                double err = (predicted - f.bytes()) / (double) f.bytes();
                report.add(String.format("%s %s: predicted %,d published %,d (%+.3f%%)", e.name(), f.type(), predicted, f.bytes(), 100 * err));
                checked++;
            }
        }
        System.out.println(String.join("\n", report));
        for (String line : report) {
            double pct = Double.parseDouble(line.replaceAll(".*\\(([+-][0-9.]+)%\\)$", "$1"));
            assertThat(pct).as(line).isCloseTo(0, within(0.5));
        }
        assertThat(checked).isGreaterThanOrEqualTo(10);
    }

    @Test
    void unknownNamesSuggestTheNearest() {
        assertThatThrownBy(() -> Catalog.get("llama-2-7c")).isInstanceOf(WeightclassException.class)
                .hasMessageContaining("did you mean llama-2-7b");
        assertThatThrownBy(() -> Catalog.get("qwen2.5-05b")).hasMessageContaining("qwen2.5-0.5b");
    }
}
