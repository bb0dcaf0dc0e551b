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

import static org.assertj.core.api.Assertions.assertThat;

class FitCommandTest {

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void jsonHasOneResultPerVariantAndDeviceWithMemoryParts(@TempDir Path dir) throws Exception {
        Path model = SharedData.golden("synth-a.Q4_K_M.gguf");
        Path chart = dir.resolve("mem.png");
        Run r = run("fit", model.toString(), "--device", "Pixel 8", "--device", "iPhone 15 Pro", "--ctx", "512",
                "--json", "--chart", chart.toString());
        assertThat(r.code).as(r.err).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out);
        assertThat(j.get("runtime").asText()).isEqualTo("llama.cpp");
        assertThat(j.get("context_length").asInt()).isEqualTo(512);
        assertThat(j.get("parameters").asLong()).isPositive();
        assertThat(j.get("devices")).hasSize(2);
        JsonNode results = j.get("results");
        // the file itself; llama-quantize refuses to requantize it, so no other preset
        assertThat(results.get(0).get("variant").asText()).isEqualTo("Q4_K_M");
        assertThat(results.get(0).get("file_bytes").asLong()).isEqualTo(Files.size(model));
        assertThat(results.size()).isEqualTo(2);
        for (JsonNode res : results) {
            assertThat(res.get("fits").asBoolean()).isTrue();
            assertThat(res.get("headroom_bytes").asLong()).isPositive();
            assertThat(res.get("binding_limit").asText()).isIn("ram", "app_limit");
            assertThat(res.get("decode_tokens_per_second").asDouble()).isPositive();
            JsonNode mem = res.get("memory");
            long sum = 0;
            for (JsonNode p : mem.get("parts")) sum += p.get("bytes").asLong();
            assertThat(mem.get("total_bytes").asLong()).isEqualTo(sum);
            // synth-a: 2 layers x 2 KV heads x 64 x 512 cells x 2 (K, V) x 2 bytes
            assertThat(mem.get("parts").findValues("name").stream().map(JsonNode::asText)).contains("kv cache");
            assertThat(mem.get("parts").get(mem.get("parts").findValues("name").stream().map(JsonNode::asText).toList()
                    .indexOf("kv cache")).get("bytes").asLong()).isEqualTo(2L * 2 * 64 * 512 * 2 * 2);
        }
        assertThat(j.get("recommendations")).hasSize(2);
        assertThat(Files.size(chart)).isPositive();
        byte[] head = Files.readAllBytes(chart);
        assertThat(head[1]).isEqualTo((byte) 'P');   // \x89PNG
    }

    @Test
    void textMatrixAndSvgChart(@TempDir Path dir) throws Exception {
        Path chart = dir.resolve("mem.svg");
        Run r = run("fit", SharedData.golden("synth-a.Q8_0.pure.gguf").toString(), "--runtime", "webgpu",
                "--device", "Pixel 8", "--device", "Raspberry Pi 5", "--chart", chart.toString());
        assertThat(r.code).as(r.err).isZero();
        assertThat(r.out).contains("runtime webgpu").contains("NOWEB").contains("Recommendation per device");
        assertThat(Files.readString(chart)).contains("<svg");
    }

    @Test
    void badInputIsOneLineAndExitTwo(@TempDir Path dir) throws Exception {
        Path model = SharedData.golden("synth-a.Q4_K_M.gguf");
        Run unknown = run("fit", model.toString(), "--device", "Pixle 8");
        assertThat(unknown.code).isEqualTo(2);
        assertThat(unknown.err.strip()).doesNotContain("\n").contains("did you mean 'Google Pixel 8'");

        Path bad = dir.resolve("devices.json");
        Files.writeString(bad, "[{\"name\": \"x\"}]");
        Run malformed = run("fit", model.toString(), "--devices", bad.toString());
        assertThat(malformed.code).isEqualTo(2);
        assertThat(malformed.err.strip()).doesNotContain("\n").contains("devices.json: device 1 (x): missing 'ram_gib'");

        Run runtime = run("fit", model.toString(), "--runtime", "tensorflow");
        assertThat(runtime.code).isEqualTo(2);
        assertThat(runtime.err).contains("unknown runtime 'tensorflow'");

        Run ctx = run("fit", model.toString(), "--ctx", "-5");
        assertThat(ctx.code).isEqualTo(2);
        assertThat(ctx.err).contains("context length must be positive");

        Run missing = run("fit", dir.resolve("nope.gguf").toString());
        assertThat(missing.code).isEqualTo(2);
        assertThat(missing.err).contains("no such file");
    }

    @Test
    void customDeviceFromRamAndBandwidth() throws Exception {
        Run r = run("fit", SharedData.golden("synth-a.Q4_K_M.gguf").toString(), "--ram", "0.001", "--bandwidth", "10",
                "--json");
        assertThat(r.code).as(r.err).isZero();
        JsonNode res = new ObjectMapper().readTree(r.out).get("results").get(0);
        assertThat(res.get("device").asText()).isEqualTo("custom");
        assertThat(res.get("fits").asBoolean()).isFalse();   // 1 MiB is not enough for the overhead alone
        assertThat(res.get("binding_limit").asText()).isEqualTo("ram");
    }

    @Test
    void listsDevices() {
        Run r = run("fit", "--list-devices");
        assertThat(r.code).isZero();
        assertThat(r.out.lines().count()).isGreaterThan(15);
    }

    @Test
    void catalogNameGivesEveryGgufPresetForLlamaCpp() throws Exception {
        Run r = run("fit", "TinyLlama-1.1B", "--device", "Galaxy A15", "--device", "MacBook Air M2", "--ctx", "2048", "--json");
        assertThat(r.code).as(r.err).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out);
        JsonNode results = j.get("results");
        assertThat(results.size()).isEqualTo(19 * 2);
        for (JsonNode x : results) assertThat(x.get("format").asText()).isEqualTo("gguf");
        // the Q4_0 preset's KV cache is llama.cpp's 44 MiB at 2048
        for (JsonNode x : results) {
            for (JsonNode p : x.get("memory").get("parts")) {
                if (p.get("name").asText().equals("kv cache")) assertThat(p.get("bytes").asLong()).isEqualTo(44L << 20);
            }
        }
        JsonNode recs = j.get("recommendations");
        assertThat(recs.get(0).get("variant").asText()).isEqualTo("Q8_0");   // 1.8 GiB usable on the A15
        assertThat(recs.get(1).get("variant").asText()).isEqualTo("F16");    // plenty on the M2
        assertThat(recs.get(1).get("max_context_length").asInt()).isEqualTo(2048);

        Run onnx = run("fit", "TinyLlama-1.1B", "--device", "M2", "--runtime", "onnxruntime", "--json");
        JsonNode o = new ObjectMapper().readTree(onnx.out).get("results");
        assertThat(o.size()).isEqualTo(4);
        for (JsonNode x : o) assertThat(x.get("format").asText()).isEqualTo("onnx");
    }

    @Test
    void unquantizedGgufGetsEveryPresetPlannedFromItsOwnTensors() throws Exception {
        Run r = run("fit", SharedData.golden("synth-a-f16.gguf").toString(), "--device", "Pixel 8", "--json");
        assertThat(r.code).as(r.err).isZero();
        JsonNode results = new ObjectMapper().readTree(r.out).get("results");
        assertThat(results.get(0).get("variant").asText()).isEqualTo("F16");
        assertThat(results.size()).isEqualTo(19);
        for (JsonNode x : results) {
            if (x.get("variant").asText().equals("Q4_K_M")) {
                // llama-quantize's real file for this preset
                assertThat(x.get("file_bytes").asLong()).isEqualTo(Files.size(SharedData.golden("synth-a.Q4_K_M.gguf")));
            }
        }
    }

    @Test
    void configJsonInput(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("config.json");
        Files.writeString(config, """
                {"model_type": "llama", "hidden_size": 2048, "num_hidden_layers": 22, "num_attention_heads": 32,
                 "num_key_value_heads": 4, "intermediate_size": 5632, "vocab_size": 32000,
                 "max_position_embeddings": 2048, "tie_word_embeddings": false}
                """);
        Run r = run("fit", config.toString(), "--device", "Pixel 8", "--variant", "Q4_K_M", "--json");
        assertThat(r.code).as(r.err).isZero();
        JsonNode x = new ObjectMapper().readTree(r.out).get("results").get(0);
        assertThat(x.get("variant").asText()).isEqualTo("Q4_K_M");
        assertThat(x.get("fits").asBoolean()).isTrue();
    }
}
