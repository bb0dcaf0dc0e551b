package dev.weightclass.size;

import dev.weightclass.SharedData;
import dev.weightclass.format.gguf.GgufFile;
import dev.weightclass.format.gguf.GgufTensorSpec;
import dev.weightclass.format.gguf.GgufValue;
import dev.weightclass.quant.GoldenRecipe;
import dev.weightclass.quant.QuantOptions;
import dev.weightclass.quant.QuantPlan;
import dev.weightclass.quant.QuantPreset;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class GgufSizesTest {

    /**
     * Every llama-quantize output in ../shared/golden (and its imatrix folder): the size predicted
     * from the source file equals the real file's size to the byte, and the predicted header
     * (keys, value types, tensor table) is the real one.
     */
    @Test
    void everyGoldenFileIsPredictedToTheByte() throws IOException {
        Path golden = SharedData.golden("README.md").getParent();
        List<Path> outputs = new ArrayList<>();
        try (Stream<Path> s = Stream.concat(Files.list(golden), Files.list(golden.resolve("imatrix")))) {
            s.filter(p -> p.getFileName().toString().endsWith(".gguf")).sorted().forEach(outputs::add);
        }
        int checked = 0;
        for (Path out : outputs) {
            GoldenRecipe r = GoldenRecipe.of(out.getFileName().toString());
            if (r == null || out.getFileName().toString().startsWith("imatrix-")) continue;
            try (GgufFile src = GgufFile.open(golden.resolve(r.source()));
                 GgufFile real = GgufFile.open(out)) {
                QuantPlan plan = GgufSizes.plan(src, r.preset(), r.options());
                GgufSizes.Imatrix im = r.options().imatrix()
                        ? GgufSizes.Imatrix.read(golden.resolve("imatrix/imatrix-synth-a.gguf")) : null;
                assertThat(GgufSizes.fileBytes(src, plan, im)).as(out.getFileName().toString()).isEqualTo(Files.size(out));
                Map<String, GgufValue> kv = GgufSizes.metadata(src, r.preset(), im);
                assertThat(kv.keySet()).as("keys of " + out.getFileName()).containsExactlyElementsOf(real.kv().keySet());
                kv.forEach((k, v) -> assertThat(v.type()).as(k).isEqualTo(real.kv().get(k).type()));
                assertThat(kv.get("general.file_type").asLong()).isEqualTo(real.kv().get("general.file_type").asLong());
                List<String> predicted = GgufSizes.tensors(plan).stream().map(GgufSizesTest::describe).toList();
                List<String> actual = real.tensorSpecs().stream().map(GgufSizesTest::describe).toList();
                assertThat(predicted).as("tensors of " + out.getFileName()).containsExactlyElementsOf(actual);
            }
            checked++;
        }
        assertThat(checked).isEqualTo(27 + 4);
    }

    /** Without options, `size` reports the files llama-quantize makes by default, failures made possible with an F16 override. */
    @Test
    void defaultVariantsOfAGgufAreTheGoldenFiles() throws IOException {
        try (GgufFile src = GgufFile.open(SharedData.golden("aidreams260K-f32.gguf"))) {
            SizeReport r = SizeEstimator.estimate(src);
            assertThat(r.parameters()).isEqualTo(230_976);
            assertThat(r.variant("Q4_K_M", "gguf").orElseThrow().bytes())
                    .isEqualTo(Files.size(SharedData.golden("aidreams260K.Q4_K_M.llamacpp.gguf")));
            SizeVariant q4 = r.variant("Q4_0", "gguf").orElseThrow();
            assertThat(q4.bytes()).isEqualTo(Files.size(SharedData.golden("aidreams260K.Q4_0.llamacpp.gguf")));
            assertThat(q4.note()).contains("llama-quantize fails on ffn_down").contains("ffn_down=f16");
            assertThat(q4.exact()).isTrue();
        }
        try (GgufFile src = GgufFile.open(SharedData.golden("synth-a-f32.gguf"))) {
            SizeReport r = SizeEstimator.estimate(src);
            for (String t : List.of("Q4_K_M", "Q5_K_M", "Q3_K_M")) {
                assertThat(r.variant(t, "gguf").orElseThrow().bytes()).as(t)
                        .isEqualTo(Files.size(SharedData.golden("synth-a." + t + ".gguf")));
            }
            assertThat(r.variant("Q8_0", "gguf").orElseThrow().bytes())
                    .isEqualTo(Files.size(SharedData.golden("synth-a.Q8_0.pure.gguf")));
        }
    }

    @Test
    void aQuantizedInputCannotBeRequantizedByDefault() throws IOException {
        try (GgufFile src = GgufFile.open(SharedData.golden("synth-a.Q4_K_M.gguf"))) {
            SizeVariant v = SizeEstimator.estimate(src).variant("Q2_K", "gguf").orElseThrow();
            assertThat(v.available()).isFalse();
            assertThat(v.note()).contains("requantizing");
            assertThat(GgufSizes.fileBytes(src, QuantPreset.Q2_K, QuantOptions.DEFAULT.withAllowRequantize(true))).isPositive();
        }
    }

    private static String describe(GgufTensorSpec t) {
        return t.name() + " " + java.util.Arrays.toString(t.ne()) + " " + t.type();
    }
}
