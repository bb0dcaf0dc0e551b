package dev.weightclass.runtime;

import dev.weightclass.SharedData;
import dev.weightclass.quant.GgufQuantizer;
import dev.weightclass.quant.QuantOptions;
import dev.weightclass.quant.QuantPlan;
import dev.weightclass.quant.QuantPreset;
import dev.weightclass.quant.QuantSource;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.weightclass.format.ModelFile;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * aidreams260K converted from llama2.c and from Hugging Face safetensors (q/k rows un-permuted)
 * generates the reference greedy tokens of the GGUF files with the same tensor data.
 */
class ConvertedModelTest {
    static final Kernels KERNELS = Kernels.vector(2);

    @org.junit.jupiter.api.AfterAll
    static void close() {
        KERNELS.close();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"aidreams260K/aidreams260K.bin, f32", "aidreams260K/hf, f32",
            "aidreams260K/aidreams260K.bin, q8_0", "aidreams260K/hf, q4_0"})
    void convertedFileGeneratesTheGoldenTokens(String input, String variant, @TempDir Path dir) throws Exception {
        Path out = dir.resolve("m.gguf");
        QuantPreset preset = QuantPreset.parse(variant);
        // the golden q8_0/q4_0 files: --pure, ffn_down (rows of 172) in F16
        QuantOptions o = QuantOptions.DEFAULT.withPure(true).withOverride(QuantOptions.Override.parse("ffn_down=f16"));
        try (QuantSource src = QuantSource.open(SharedData.data(input), SharedData.data("aidreams260K/tok512.bin"), w -> {})) {
            QuantPlan plan = QuantPlan.of(src.tensors(), QuantPlan.Model.of(src.hyperparameters(), 0), preset, o);
            Map<String, dev.weightclass.tensor.TensorType> types = new HashMap<>();
            plan.decisions().forEach(d -> types.put(d.name(), d.to()));
            GgufQuantizer.quantize(src, out, types, preset.fileType(), 2, null, false);
        }
        try (LlamaModel m = LlamaModel.owning(ModelFile.open(out), KERNELS)) {
            assertThat(Aidreams.greedy64(m)).containsExactly(Aidreams.ids(Aidreams.golden(variant).path("greedy64_ids")));
        }
    }
}
