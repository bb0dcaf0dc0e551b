package dev.weightclass.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weightclass.SharedData;
import dev.weightclass.WeightclassException;
import dev.weightclass.format.ModelFile;
import dev.weightclass.format.safetensors.SafetensorsWriter;
import dev.weightclass.tensor.TensorInfo;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The real PEFT adapter for GPT-2 (../shared/data/lora-gpt2-tigrinya): reading, and merging into a GPT-2-shaped base. */
class PeftGpt2Test {

    @TempDir
    static Path shared;
    static Path base;

    @BeforeAll
    static void writeBase() throws Exception {
        try (LoraAdapter a = LoraAdapter.open(adapter())) {
            base = gpt2Base(shared, a, null);
        }
    }

    static Path adapter() {
        return SharedData.data("lora-gpt2-tigrinya");
    }

    static String[] run(String... args) {
        return Fixtures.run(args);
    }

    @Test
    void readsTheRealAdapter() throws Exception {
        try (LoraAdapter a = LoraAdapter.open(adapter())) {
            assertThat(a.format()).isEqualTo(LoraAdapter.Format.PEFT);
            assertThat(a.tensorCount()).isEqualTo(72);
            assertThat(a.pairs()).hasSize(36);
            assertThat(a.parameters()).isEqualTo(811_008);
            assertThat(a.tensorBytes()).isEqualTo(811_008L * 4);
            assertThat(a.ranks()).containsExactly(8);
            assertThat(a.alpha()).contains(32.0);
            assertThat(a.scales()).containsExactly(4.0);
            assertThat(a.config().orElseThrow().fanInFanOut()).isTrue();
            assertThat(a.targetKinds()).containsExactly("c_attn", "c_proj");
            assertThat(a.pairs()).allMatch(LoraPair::transposed);
        }
    }

    @Test
    void infoJsonReportsTheAdapter() throws Exception {
        String[] r = run("lora", "info", adapter().toString(), "--json");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        JsonNode j = new ObjectMapper().readTree(r[1]);
        assertThat(j.path("tensors").asInt()).isEqualTo(72);
        assertThat(j.path("parameters").asLong()).isEqualTo(811_008);
        assertThat(j.path("ranks").toString()).isEqualTo("[8]");
        assertThat(j.path("alpha").asDouble()).isEqualTo(32.0);
        assertThat(j.path("fan_in_fan_out").asBoolean()).isTrue();
    }

    /** A GPT-2-shaped base with random weights: Conv1D weights [in, out] named as GPT-2's own file names them. */
    static Path gpt2Base(Path dir, LoraAdapter a, String breakName) throws Exception {
        return gpt2Base(dir, a, breakName, Integer.MAX_VALUE);
    }

    /** Only the first {@code layers} blocks (enough for a test that fails on the first block). */
    static Path gpt2Base(Path dir, LoraAdapter a, String breakName, int layers) throws Exception {
        Random rnd = new Random(7);
        List<SafetensorsWriter.Tensor> t = new ArrayList<>();
        for (LoraPair p : a.pairs()) {
            if (Integer.parseInt(p.target().split("\\.")[2]) >= layers) continue;
            String name = p.target().replaceFirst("^transformer\\.", "") + ".weight";   // h.N.attn.c_attn.weight
            long[] shape = name.equals(breakName) ? new long[] {p.out(), p.in()} : new long[] {p.in(), p.out()};
            t.add(Fixtures.f32(name, shape, Fixtures.random(rnd, p.in() * p.out(), 0.02)));
        }
        t.add(Fixtures.f32("wte.weight", new long[] {50, 768}, Fixtures.random(rnd, 50 * 768, 0.02)));
        Path base = dir.resolve("base").resolve("model.safetensors");
        java.nio.file.Files.createDirectories(base.getParent());
        SafetensorsWriter.write(base, t, Map.of("format", "pt"));
        return base;
    }

    @Test
    void mergedDeltaIsScaleTimesBATransposedExactlyInFloat(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("merged.safetensors");
        try (LoraAdapter a = LoraAdapter.open(adapter()); ModelFile b = ModelFile.open(base)) {
            LoraMerge.Result r = LoraMerge.merge(b, a, 1.0, out, 2, null);
            assertThat(r.tensors()).hasSize(36);
            assertThat(r.tensors()).allMatch(t -> t.requantRms() == 0);
        }
        // expected values from the raw adapter tensors, independently of the pairing code
        try (ModelFile base = ModelFile.open(PeftGpt2Test.base);
             ModelFile raw = ModelFile.open(adapter().resolve("adapter_model.safetensors"));
             ModelFile merged = ModelFile.open(out)) {
            int checked = 0;
            for (TensorInfo t : base.tensors()) {
                float[] w = Fixtures.floats(base, t.name()), m = Fixtures.floats(merged, t.name());
                if (t.name().equals("wte.weight")) {
                    assertThat(m).containsExactly(w);
                    continue;
                }
                String module = "base_model.model.transformer." + t.name().replace(".weight", "");
                float[] aw = Fixtures.floats(raw, module + ".lora_A.weight"), bw = Fixtures.floats(raw, module + ".lora_B.weight");
                int in = (int) t.dim(0), outDim = (int) t.dim(1);
                float[] d = Fixtures.delta(new Fixtures.Pair(aw, bw, 8, in, outDim), 32.0 / 8);   // [out][in]
                for (int i = 0; i < in; i++) {
                    for (int o = 0; o < outDim; o++) {
                        float expected = w[i * outDim + o] + d[o * in + i];
                        if (Float.floatToRawIntBits(m[i * outDim + o]) != Float.floatToRawIntBits(expected)) {
                            throw new AssertionError(t.name() + "[" + i + "][" + o + "] = " + m[i * outDim + o]
                                    + ", expected " + expected);
                        }
                    }
                }
                checked++;
            }
            assertThat(checked).isEqualTo(36);
        }
    }

    @Test
    void shapeMismatchNamesTheTensorAndBothShapes(@TempDir Path dir) throws Exception {
        Path basePath;
        try (LoraAdapter a = LoraAdapter.open(adapter())) {
            basePath = gpt2Base(dir, a, "h.0.mlp.c_proj.weight", 1);
            try (ModelFile base = ModelFile.open(basePath)) {
                assertThatThrownBy(() -> LoraBinding.bind(a, base, 1.0)).isInstanceOf(WeightclassException.class)
                        .hasMessageContaining("h.0.mlp.c_proj.weight").hasMessageContaining("[768, 3072]")
                        .hasMessageContaining("[3072, 768]");
            }
        }
        String[] r = run("lora", "merge", basePath.toString(), adapter().toString(), "-o", dir.resolve("m.safetensors").toString());
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2].strip().lines().count()).isEqualTo(1);
        assertThat(r[2]).contains("h.0.mlp.c_proj.weight").contains("[768, 3072]");
        assertThat(dir.resolve("m.safetensors")).doesNotExist();
    }

    @Test
    void sizeAccountingAgainstTheBase(@TempDir Path dir) throws Exception {
        Path basePath = base;
        String[] r = run("lora", "info", adapter().toString(), "--base", basePath.toString(), "--count", "10", "--json");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        JsonNode z = new ObjectMapper().readTree(r[1]).path("sizes");
        long base = java.nio.file.Files.size(basePath);
        long ad = java.nio.file.Files.size(adapter().resolve("adapter_model.safetensors"))
                + java.nio.file.Files.size(adapter().resolve("adapter_config.json"));
        assertThat(z.path("base_bytes").asLong()).isEqualTo(base);
        assertThat(z.path("adapter_bytes").asLong()).isEqualTo(ad);
        assertThat(z.path("base_plus_adapters_bytes").asLong()).isEqualTo(base + 10 * ad);
        assertThat(z.path("full_models_bytes").asLong()).isEqualTo(10 * base);
        String[] text = run("lora", "info", adapter().toString(), "--base", basePath.toString(), "--count", "10");
        assertThat(text[1]).contains("10 full models").contains("all 36 pairs fit");
    }
}
