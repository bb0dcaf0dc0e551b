package dev.weightclass.quant;

import dev.weightclass.SharedData;
import dev.weightclass.format.gguf.GgufFile;
import dev.weightclass.tensor.TensorType;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whole-file identity with llama-quantize: given the per-tensor types llama-quantize chose
 * (read from the golden manifest), the written file must equal the golden file byte for byte:
 * tensor order, metadata, alignment, padding and every tensor's data.
 */
class GgufQuantizerTest {

    @ParameterizedTest(name = "{1}")
    @CsvSource({
            "synth-a-f32.gguf, synth-a.Q4_K_M.gguf",
            "synth-a-f16.gguf, synth-a-f16.Q8_0.pure.gguf",
            "aidreams260K-f32.gguf, aidreams260K.Q4_K_M.llamacpp.gguf",
    })
    void writesTheSameFileAsLlamaQuantize(String source, String golden, @TempDir Path dir) throws IOException {
        Map<String, TensorType> types = new HashMap<>();
        for (GoldenFiles.Tensor t : GoldenFiles.tensors(golden)) types.put(t.name(), t.type());
        int fileType = GoldenFiles.manifest().get(golden).get("general.file_type").asInt();
        Path out = dir.resolve("out.gguf");
        long[] done = {0};
        try (GgufFile in = GgufFile.open(SharedData.golden(source))) {
            GgufQuantizer.quantize(in, out, types, fileType, 2, b -> done[0] += b);
            assertThat(done[0]).isEqualTo(in.tensors().stream().mapToLong(t -> t.byteSize()).sum());
        }
        byte[] got = Files.readAllBytes(out);
        byte[] want = Files.readAllBytes(SharedData.golden(golden));
        assertThat(got.length).as("file size").isEqualTo(want.length);
        int mismatch = java.util.Arrays.mismatch(got, want);
        assertThat(mismatch).as("first differing byte offset").isEqualTo(-1);
        assertThat(GoldenFiles.sha256(got)).isEqualTo(GoldenFiles.manifest().get(golden).get("sha256").asText());
    }
}
