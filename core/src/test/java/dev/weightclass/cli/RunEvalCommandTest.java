package dev.weightclass.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weightclass.SharedData;
import dev.weightclass.runtime.SyntheticLlama;
import dev.weightclass.tensor.TensorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * run and eval on aidreams260K against the golden outputs and llama.cpp's llama-perplexity figures
 * (../shared/golden/README.md section 4: F32 PPL 8.9130 over 55 chunks at ctx 128).
 */
class RunEvalCommandTest {

    record Result(int code, String out, String err) {
        JsonNode json() throws Exception { return new ObjectMapper().readTree(out); }
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Result(code, out.toString(), err.toString());
    }

    static String data(String f) {
        return SharedData.data("aidreams260K/" + f).toString();
    }

    static JsonNode golden() throws Exception {
        return new ObjectMapper().readTree(SharedData.data("aidreams260K/golden_outputs.json").toFile())
                .path("results").path("aidreams260K-f32.gguf");
    }

    @Test
    void greedyRunFromBosPrintsTheGoldenIdsAndText() throws Exception {
        Result r = run("run", data("aidreams260K-f32.gguf"), "-n", "64", "--temp", "0", "--json", "-t", "1");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode g = golden();
        assertThat(r.json().path("token_ids")).isEqualTo(g.path("greedy64_ids"));
        assertThat(r.json().path("text").asText()).isEqualTo(g.path("greedy64_text").asText());
        assertThat(r.json().path("tokens_per_second").asDouble()).isPositive();
    }

    @Test
    void streamedTextIsTheDecodedContinuation() throws Exception {
        // the prompt tokenizes to the first 10 golden ids, so greedy continues the golden text
        Result r = run("run", data("aidreams260K.bin"), "-p", "\"Echoes of vectors", "-n", "20", "--temp", "0", "-t", "1");
        assertThat(r.code()).as(r.err()).isZero();
        String golden = golden().path("greedy64_text").asText();
        assertThat(r.out().strip()).isNotEmpty();
        assertThat(golden).startsWith(r.out().strip());
        assertThat(r.out().strip()).startsWith("\"Echoes of vectors unfold, a gentle hum");
    }

    @Test
    void perplexityMatchesLlamaCpp() throws Exception {
        Result r = run("eval", data("aidreams260K-f32.gguf"), "--text", data("aidreams260K_teacher_samples.txt"),
                "--ctx", "128", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = r.json();
        assertThat(j.path("chunks").asInt()).isEqualTo(55);
        assertThat(j.path("tokens_scored").asInt()).isEqualTo(55 * 63);
        assertThat(j.path("perplexity").asDouble()).isCloseTo(8.9130, within(8.9130 * 0.005));
    }

    @Test
    void quantizedAgainstReferenceMatchesLlamaCppKl() throws Exception {
        Result r = run("eval", data("aidreams260K-q4_0.gguf"), "--reference", data("aidreams260K-f32.gguf"),
                "--text", data("aidreams260K_teacher_samples.txt"), "--ctx", "128", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = r.json();
        // llama.cpp, aidreams260K.Q4_0.pure (same tensor bytes): PPL 9.196744, mean KLD 0.032190, same top 88.831%.
        assertThat(j.path("perplexity").asDouble()).isCloseTo(9.196744, within(9.196744 * 0.005));
        assertThat(j.path("mean_kl").asDouble()).isCloseTo(0.032190, within(0.032190 * 0.005));
        assertThat(j.path("top1_agreement").asDouble()).isCloseTo(0.88831, within(0.01));
        assertThat(j.path("reference_perplexity").asDouble()).isCloseTo(8.9130, within(8.9130 * 0.005));
        assertThat(j.path("delta_perplexity").asDouble())
                .isCloseTo(j.path("perplexity").asDouble() - j.path("reference_perplexity").asDouble(), within(1e-9));
    }

    @Test
    void matchLlamaCppReproducesThePrintedRunningPerplexity() throws Exception {
        Result r = run("eval", data("aidreams260K-q8_0.gguf"), "--reference", data("aidreams260K-f32.gguf"),
                "--text", data("aidreams260K_teacher_samples.txt"), "--ctx", "128", "--chunks", "5", "--match", "llama.cpp",
                "--json", "-t", "2");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = r.json();
        // llama-perplexity --kl-divergence on aidreams260K.Q8_0.llamacpp (same tensor bytes), after chunk 5
        assertThat(j.path("chunks").asInt()).isEqualTo(5);
        assertThat(j.path("perplexity").asDouble()).isCloseTo(11.4024, within(1.5e-4));
        assertThat(j.path("mean_kl").asDouble()).isCloseTo(0.00027, within(0.000005));

        Result bad = run("eval", data("aidreams260K-q8_0.gguf"), "--text", data("aidreams260K_teacher_samples.txt"),
                "--match", "pytorch");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("--match");
    }

    @Test
    void badInputIsOneLineAndExitCode2(@TempDir Path dir) throws Exception {
        // not a decoder the runtime runs
        Result onnx = run("run", data("aidreams260K.onnx"), "-n", "1");
        assertThat(onnx.code()).isEqualTo(2);
        assertThat(onnx.err().strip()).doesNotContain("\n").contains("onnx");

        // a prompt longer than the model's context (128)
        String ids = "1" + ",5".repeat(200);
        Result longPrompt = run("run", data("aidreams260K-f32.gguf"), "--tokens", ids, "-n", "1");
        assertThat(longPrompt.code()).isEqualTo(2);
        assertThat(longPrompt.err()).contains("longer than the model's context");

        // text that is not UTF-8
        Path latin1 = dir.resolve("latin1.txt");
        Files.write(latin1, new byte[] {'c', 'a', 'f', (byte) 0xE9});
        Result notUtf8 = run("eval", data("aidreams260K-f32.gguf"), "--text", latin1.toString());
        assertThat(notUtf8.code()).isEqualTo(2);
        assertThat(notUtf8.err()).contains("not UTF-8");

        // a reference with another vocabulary
        Path other = dir.resolve("vocab100.gguf");
        SyntheticLlama.write(other, new SyntheticLlama.Shape("tiny", 64, 1, 128, 4, 4, 100, 128), TensorType.F32, 1);
        Result vocab = run("eval", data("aidreams260K-f32.gguf"), "--reference", other.toString(),
                "--text", data("aidreams260K_teacher_samples.txt"), "--ctx", "128");
        assertThat(vocab.code()).isEqualTo(2);
        assertThat(vocab.err()).contains("vocabulary");
    }
}
