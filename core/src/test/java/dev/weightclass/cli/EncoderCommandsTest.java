package dev.weightclass.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weightclass.SharedData;
import dev.weightclass.eval.Spearman;
import dev.weightclass.eval.StsEvaluation;
import dev.weightclass.eval.StsFile;
import dev.weightclass.format.BundledModels;
import dev.weightclass.runtime.bert.SentenceEncoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** run, eval --sts and bench on all-MiniLM-L6-v2 (fp32 and int8 ONNX). */
class EncoderCommandsTest {

    static RunEvalCommandTest.Result run(String... args) {
        return RunEvalCommandTest.run(args);
    }

    static String minilm() throws Exception {
        return BundledModels.extract(BundledModels.MINILM_L6_V2).toString();
    }

    @Test
    void runPrintsTheNormalisedEmbedding() throws Exception {
        RunEvalCommandTest.Result r = run("run", minilm(), "-p", "A cat standing on tree branches.", "--json", "-t", "2");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = r.json();
        assertThat(j.path("dim").asInt()).isEqualTo(384);
        assertThat(j.path("tokens").asInt()).isEqualTo(9);   // [CLS] a cat standing on tree branches . [SEP]
        assertThat(j.path("norm").asDouble()).isCloseTo(1, within(1e-5));
        assertThat(j.path("embedding").size()).isEqualTo(384);
        try (SentenceEncoder enc = SentenceEncoder.open(Path.of(minilm()), 1)) {
            float[] e = enc.embed("A cat standing on tree branches.");
            for (int i = 0; i < 384; i++) assertThat(j.path("embedding").get(i).floatValue()).isCloseTo(e[i], within(1e-6f));
        }
        RunEvalCommandTest.Result text = run("run", minilm(), "-p", "A cat standing on tree branches.");
        assertThat(text.out()).contains("dim 384").contains("norm 1.000000");
    }

    @Test
    void stsSpearmanAndCosineToReference() throws Exception {
        Path sts = SharedData.data("sts-benchmark/sts-dev.ccbysa-subset.tsv");
        String q = BundledModels.extract(BundledModels.MINILM_L6_V2_INT8).toString();
        RunEvalCommandTest.Result r = run("eval", q, "--sts", sts.toString(), "--reference", minilm(), "--json", "-t", "2");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = r.json();
        assertThat(j.path("pairs").asInt()).isEqualTo(StsFile.read(sts).size());
        // all-MiniLM-L6-v2 reaches about 0.87 Spearman on STS-B dev; int8 stays close to fp32
        assertThat(j.path("reference_spearman").asDouble()).isBetween(0.8, 0.95);
        assertThat(j.path("spearman").asDouble()).isCloseTo(j.path("reference_spearman").asDouble(), within(0.01));
        assertThat(j.path("mean_cosine").asDouble()).isBetween(0.98, 1.0);
        assertThat(j.path("min_cosine").asDouble()).isBetween(0.9, j.path("mean_cosine").asDouble());
        // the fp32 Spearman recomputed here from the library's embeddings
        List<StsFile.Pair> pairs = StsFile.read(sts);
        try (SentenceEncoder enc = SentenceEncoder.open(Path.of(minilm()), 2)) {
            double[] cos = new double[pairs.size()], gold = new double[pairs.size()];
            for (int i = 0; i < pairs.size(); i++) {
                float[][] e = enc.embed(List.of(pairs.get(i).first(), pairs.get(i).second()));
                cos[i] = StsEvaluation.cosine(e[0], e[1]);
                gold[i] = pairs.get(i).gold();
            }
            assertThat(j.path("reference_spearman").asDouble()).isCloseTo(Spearman.correlation(cos, gold), within(1e-6));
        }
    }

    @Test
    void benchReportsSentencesAndTokensPerSecond() throws Exception {
        RunEvalCommandTest.Result r = run("bench", minilm(), "-p", "16", "--batch", "4", "-r", "1", "--json", "-t", "2");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.json().path("sentences_per_second_median").asDouble()).isPositive();
        assertThat(r.json().path("tokens_per_second_median").asDouble())
                .isCloseTo(16 * r.json().path("sentences_per_second_median").asDouble(), within(1e-6));
    }

    @Test
    void badInputIsOneLineAndExitTwo(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.tsv");
        Files.writeString(bad, "score\tsentence1\tsentence2\n4.0\tonly one column here\n");
        RunEvalCommandTest.Result r = run("eval", minilm(), "--sts", bad.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).contains("line 2").doesNotContain("\n").doesNotContain("Exception");

        Files.writeString(bad, "score\tsentence1\tsentence2\nhigh\ta\tb\n1\tc\td\n");
        r = run("eval", minilm(), "--sts", bad.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("line 2").contains("not a number");

        r = run("eval", minilm(), "--text", bad.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--sts");

        // a decoder is not an encoder: --sts refuses it
        r = run("eval", SharedData.data("aidreams260K/aidreams260K-f32.gguf").toString(), "--sts", bad.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("not a sentence encoder");
    }

    @Test
    void longTextIsTruncatedWithAWarning() throws Exception {
        String longText = "word ".repeat(600);
        RunEvalCommandTest.Result r = run("run", minilm(), "-p", longText, "--json");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.json().path("tokens").asInt()).isEqualTo(512);
        assertThat(r.err()).contains("warning: text of 602 tokens truncated to the model's 512 positions");
    }
}
