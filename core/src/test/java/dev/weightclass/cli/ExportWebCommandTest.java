package dev.weightclass.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weightclass.SharedData;
import dev.weightclass.format.ModelFile;
import dev.weightclass.tensor.TensorInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class ExportWebCommandTest {

    @Test
    void manifestListsTheFilesBestFirstWithTheFitFigures(@TempDir Path dir) throws Exception {
        Path q4 = SharedData.data("aidreams260K/aidreams260K-q4_0.gguf");
        Path q8 = SharedData.data("aidreams260K/aidreams260K-q8_0.gguf");
        FitCommandTest.Run r = FitCommandTest.run("export-web", q4.toString(), q8.toString(), "--ctx", "128", "-o", dir.toString());
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode m = new ObjectMapper().readTree(dir.resolve("variants.json").toFile());
        assertThat(m.get("format").asText()).isEqualTo("weightclass-variants/1");
        assertThat(m.get("context_length").asInt()).isEqualTo(128);
        JsonNode vs = m.get("variants");
        assertThat(vs.findValuesAsText("type")).containsExactly("Q8_0", "Q4_0");
        for (JsonNode v : vs) {
            Path file = v.get("type").asText().equals("Q8_0") ? q8 : q4;
            assertThat(v.get("url").asText()).isEqualTo("{base}/" + file.getFileName());
            assertThat(v.get("bytes").asLong()).isEqualTo(Files.size(file));
            long largest;
            try (ModelFile mf = ModelFile.open(file)) {
                largest = mf.tensors().stream().mapToLong(TensorInfo::byteSize).max().orElseThrow();
            }
            assertThat(v.get("webgpu").get("required_limits").get("maxStorageBufferBindingSize").asLong()).isEqualTo(largest);
            assertThat(v.get("webgpu").get("required_features")).isEmpty();
            for (String rt : new String[] {"llama.cpp", "webgpu"}) {
                JsonNode fit = FitCommandTestJson.of("fit", file.toString(), "--runtime", rt, "--ctx", "128",
                        "--device", "Pixel 8", "--variant", v.get("type").asText(), "--json");
                assertThat(v.get("memory_bytes").get(rt).asLong())
                        .isEqualTo(fit.get("results").get(0).get("memory").get("required_bytes").asLong());
            }
            assertThat(v.get("memory_bytes").has("onnxruntime")).isFalse();
        }
        String js = Files.readString(dir.resolve("pick-variant.js"));
        assertThat(js).contains("export async function pickVariant(manifest, options = {})").doesNotContainPattern("(?m)^\\s*import ");
    }

    @Test
    void catalogModelsListTheirPredictedVariants(@TempDir Path dir) throws Exception {
        FitCommandTest.Run r = FitCommandTest.run("export-web", "tinyllama-1.1b", "--variant", "Q4_K_M,Q8_0,int8", "-o", dir.toString());
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode vs = new ObjectMapper().readTree(dir.resolve("variants.json").toFile()).get("variants");
        assertThat(vs.findValuesAsText("type")).containsExactly("Q8_0", "int8", "Q4_K_M");
        assertThat(vs.get(1).get("url").asText()).endsWith(".onnx");
        assertThat(vs.get(1).get("memory_bytes").has("onnxruntime")).isTrue();
        assertThat(vs.get(1).get("memory_bytes").has("llama.cpp")).isFalse();
    }
}
