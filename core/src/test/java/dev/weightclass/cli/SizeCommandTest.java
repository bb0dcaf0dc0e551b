package dev.weightclass.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weightclass.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SizeCommandTest {

    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Result(code, out.toString(), err.toString());
    }

    static final List<String> TYPES = List.of("F32", "F16", "BF16", "Q8_0", "Q6_K", "Q5_K_M", "Q5_K_S", "Q5_1", "Q5_0",
            "Q4_K_M", "Q4_K_S", "Q4_1", "Q4_0", "Q3_K_L", "Q3_K_M", "Q3_K_S", "Q2_K", "IQ4_NL", "IQ4_XS");

    @Test
    void jsonHasTheIssuesShape() throws Exception {
        Result r = run("size", "qwen2-0.5b", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("parameters").isIntegralNumber()).isTrue();
        assertThat(j.get("parameters").asLong()).isEqualTo(494_032_768L);
        assertThat(j.get("size_class").asText()).isEqualTo("494M");
        List<String> gguf = j.get("variants").findParents("format").stream()
                .filter(v -> v.get("format").asText().equals("gguf")).map(v -> v.get("type").asText()).toList();
        assertThat(gguf).containsExactlyElementsOf(TYPES);
        for (JsonNode v : j.get("variants")) {
            assertThat(v.get("bytes").isIntegralNumber()).isTrue();
            assertThat(v.get("format").asText()).isIn("gguf", "onnx");
        }
        assertThat(j.get("variants").findValuesAsText("type")).contains("fp32", "fp16", "int8", "int4");
    }

    @Test
    void aGgufFileGivesExactSizesAndATable() {
        Path f = SharedData.golden("synth-a-f32.gguf");
        Result r = run("size", f.toString(), "--bandwidth", "10MB/s");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("Q4_K_M").contains("1,143,104").contains("at 10MB/s");
    }

    /** llama-quantize's options reproduce the golden files made with them. */
    @Test
    void quantizeOptionsGiveTheGoldenPureFiles() throws Exception {
        Path f = SharedData.golden("aidreams260K-f32.gguf");
        Result r = run("size", f.toString(), "--pure", "--tensor-type", "ffn_down=f16", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        for (String t : List.of("Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0")) {
            long bytes = j.get("variants").findParents("type").stream().filter(v -> v.get("type").asText().equals(t))
                    .findFirst().orElseThrow().get("bytes").asLong();
            assertThat(bytes).as(t).isEqualTo(Files.size(SharedData.golden("aidreams260K." + t + ".pure.llamacpp.gguf")));
        }
        assertThat(run("size", f.toString(), "--tensor-type", "ffn_down").code()).isEqualTo(2);
        assertThat(run("size", f.toString(), "--output-tensor-type", "q9_z").err()).contains("unknown ggml type 'q9_z'");
    }

    @Test
    void configJsonAlone(@TempDir Path dir) throws Exception {
        Path c = dir.resolve("config.json");
        Files.writeString(c, """
                {"model_type": "llama", "hidden_size": 2048, "intermediate_size": 5632, "num_attention_heads": 32,
                 "num_hidden_layers": 22, "num_key_value_heads": 4, "vocab_size": 32000, "max_position_embeddings": 2048}
                """);
        Result r = run("size", c.toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(new ObjectMapper().readTree(r.out()).get("parameters").asLong()).isEqualTo(1_100_048_384L);
        assertThat(r.out()).contains("assumptions").contains("tokenizer");
    }

    @Test
    void badConfigsFailWithOneLineAndExitCode2(@TempDir Path dir) throws Exception {
        String base = "\"hidden_size\": 64, \"intermediate_size\": 128, \"num_hidden_layers\": 2, \"vocab_size\": 100";
        String[][] cases = {
                {"{\"model_type\": \"mamba2000\", " + base + ", \"num_attention_heads\": 4}", "unknown architecture 'mamba2000'"},
                {"{\"model_type\": \"llama\", \"hidden_size\": 64, \"num_attention_heads\": 4, \"vocab_size\": 100}", "missing field"},
                {"{\"model_type\": \"llama\", " + base + ", \"num_attention_heads\": 0}", "'num_attention_heads' must be positive"},
                {"{\"model_type\": \"llama\", \"hidden_size\": 64, \"intermediate_size\": 128, \"num_hidden_layers\": 2, "
                        + "\"num_attention_heads\": 4, \"vocab_size\": -1}", "'vocab_size' must be positive, got -1"},
                {"{\"model_type\": \"llama\", " + base + ", \"num_attention_heads\": 3}", "not a multiple"},
                {"{not json", "not valid JSON"},
        };
        for (String[] c : cases) {
            Path f = dir.resolve("config.json");
            Files.writeString(f, c[0]);
            Result r = run("size", f.toString());
            assertThat(r.code()).as(c[0]).isEqualTo(2);
            assertThat(r.err()).as(c[0]).contains(c[1]);
            assertThat(r.err().strip().lines().count()).as(r.err()).isEqualTo(1);
        }
    }

    @Test
    void unknownCatalogNamesSuggestTheNearest() {
        Result r = run("size", "tinylama");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("did you mean tinyllama-1.1b");
        assertThat(run("size", "no/such/file.gguf").err()).contains("no such file");
        assertThat(run("size").code()).isEqualTo(2);
        assertThat(run("size", "gpt2", "--bandwidth", "fast").err()).contains("bad bandwidth");
    }

    @Test
    void chartsAndTransferAndCatalogList(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("s.png"), svg = dir.resolve("s.svg");
        assertThat(run("size", "smollm2-135m", "--chart", png.toString()).code()).isZero();
        assertThat(run("size", "smollm2-135m", "--chart", svg.toString()).code()).isZero();
        assertThat(Files.readAllBytes(png)).startsWith(new byte[] {(byte) 0x89, 'P', 'N', 'G'});
        assertThat(Files.readString(svg)).contains("<svg");
        assertThat(run("size", "smollm2-135m", "--chart", dir.resolve("x.gif").toString()).code()).isEqualTo(2);

        Path f = SharedData.golden("aidreams260K-f32.gguf");
        Result t = run("size", f.toString(), "--transfer", "--json");
        assertThat(t.code()).as(t.err()).isZero();
        JsonNode tr = new ObjectMapper().readTree(t.out()).get("transfer").get("results");
        assertThat(tr.findValuesAsText("codec")).containsExactly("gzip", "brotli", "zstd");
        for (JsonNode c : tr) assertThat(c.get("bytes").asLong()).isBetween(1L, Files.size(f));
        assertThat(run("size", "gpt2", "--transfer").err()).contains("--transfer needs a model file");

        Result list = run("size", "--list-catalog");
        assertThat(list.out()).contains("llama-2-70b").contains("all-minilm-l6-v2").contains("6,738,415,616");
    }
}
