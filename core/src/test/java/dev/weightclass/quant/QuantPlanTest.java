package dev.weightclass.quant;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorRole;
import dev.weightclass.tensor.TensorType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class QuantPlanTest {

    static JsonNode manifest;
    static final QuantPlan.Model SYNTH = new QuantPlan.Model("llama", 2, 4, 2, 0);
    static final QuantPlan.Model AIDREAMS = new QuantPlan.Model("llama", 4, 4, 4, 0);

    @BeforeAll
    static void load() throws IOException {
        manifest = GoldenManifest.load();
    }

    /** Every golden llama-quantize output: the plan from its source names the same type for every tensor. */
    @Test
    void everyGoldenFileGetsLlamaQuantizesTypes() {
        int checked = 0;
        for (var it = manifest.fieldNames(); it.hasNext(); ) {
            String file = it.next();
            GoldenRecipe r = GoldenRecipe.of(file);
            if (r == null) continue;
            List<TensorInfo> source = GoldenManifest.tensors(manifest.get(r.source()));
            QuantPlan plan = QuantPlan.of(source, r.model(), r.preset(), r.options());
            Map<String, TensorType> expected = GoldenManifest.types(manifest.get(file));
            Map<String, TensorType> actual = new LinkedHashMap<>();
            for (QuantPlan.Decision d : plan.decisions()) actual.put(d.name(), d.to());
            assertThat(actual).as(file).containsExactlyInAnyOrderEntriesOf(expected);
            // llama-quantize writes the tensors in the plan's order
            assertThat(new ArrayList<>(actual.keySet())).as(file + " order").containsExactlyElementsOf(expected.keySet());
            checked++;
        }
        assertThat(checked).isEqualTo(27);
    }

    @Test
    void aidreamsQ4KMFallsBackAlmostEverywhere() {
        QuantPlan plan = QuantPlan.of(GoldenManifest.tensors(manifest.get("aidreams260K-f32.gguf")), AIDREAMS,
                QuantPreset.Q4_K_M, QuantOptions.DEFAULT);
        // llama-quantize: "28 of 38 tensor(s) required fallback quantization"
        assertThat(plan.fallbacks()).isEqualTo(28);
        assertThat(plan.typeOf("token_embd.weight")).isEqualTo(TensorType.Q8_0);
        assertThat(plan.typeOf("blk.1.attn_v.weight")).isEqualTo(TensorType.Q5_0);
        assertThat(plan.typeOf("blk.2.attn_v.weight")).isEqualTo(TensorType.Q8_0);
        assertThat(plan.typeOf("blk.3.ffn_down.weight")).isEqualTo(TensorType.F16);
        assertThat(plan.decisions().stream().filter(d -> d.name().equals("blk.0.ffn_down.weight")).findFirst().orElseThrow().note())
                .contains("must use F16 due to unusual shape");
    }

    /** Plain legacy presets stop on ffn_down (row length 172), with or without --pure. */
    @Test
    void legacyTypesWithoutFallbackFailLikeLlamaQuantize() {
        List<TensorInfo> src = GoldenManifest.tensors(manifest.get("aidreams260K-f32.gguf"));
        for (QuantPreset p : List.of(QuantPreset.Q4_0, QuantPreset.Q4_1, QuantPreset.Q5_0, QuantPreset.Q5_1, QuantPreset.Q8_0)) {
            for (boolean pure : new boolean[] {false, true}) {
                assertThatThrownBy(() -> QuantPlan.of(src, AIDREAMS, p, QuantOptions.DEFAULT.withPure(pure)))
                        .isInstanceOf(QuantPlan.ImpossibleException.class)
                        .hasMessageContaining("blk.0.ffn_down.weight").hasMessageContaining("172")
                        .hasMessageContaining("no fallback");
            }
        }
    }

    @Test
    void optionsOverrideThePreset() {
        List<TensorInfo> src = GoldenManifest.tensors(manifest.get("synth-a-f32.gguf"));
        QuantPlan plan = QuantPlan.of(src, SYNTH, QuantPreset.Q4_K_M, QuantOptions.DEFAULT
                .withOutputTensorType(TensorType.Q8_0).withTokenEmbeddingType(TensorType.F16)
                .withOverride(QuantOptions.Override.parse("ATTN_Q=q5_k")));
        assertThat(plan.typeOf("output.weight")).isEqualTo(TensorType.Q8_0);
        assertThat(plan.typeOf("token_embd.weight")).isEqualTo(TensorType.F16);
        assertThat(plan.typeOf("blk.0.attn_q.weight")).isEqualTo(TensorType.Q5_K);
        assertThat(plan.typeOf("blk.1.attn_v.weight")).isEqualTo(TensorType.Q6_K);
        assertThat(plan.typeOf("blk.0.attn_norm.weight")).isEqualTo(TensorType.F32);

        QuantPlan leave = QuantPlan.of(src, SYNTH, QuantPreset.Q4_0, QuantOptions.DEFAULT.withLeaveOutputTensor(true));
        assertThat(leave.typeOf("output.weight")).isEqualTo(TensorType.F32);

        QuantPlan f16 = QuantPlan.of(src, SYNTH, QuantPreset.F16, QuantOptions.DEFAULT);
        assertThat(f16.typeOf("output.weight")).isEqualTo(TensorType.F16);
        assertThat(f16.typeOf("output_norm.weight")).isEqualTo(TensorType.F32);
    }

    @Test
    void requantizingAQuantizedModelNeedsPermission() {
        List<TensorInfo> src = GoldenManifest.tensors(manifest.get("synth-a.Q8_0.pure.gguf"));
        assertThatThrownBy(() -> QuantPlan.of(src, SYNTH, QuantPreset.Q4_0, QuantOptions.DEFAULT))
                .hasMessageContaining("requantizing from type Q8_0");
        assertThat(QuantPlan.of(src, SYNTH, QuantPreset.Q4_0, QuantOptions.DEFAULT.withAllowRequantize(true))
                .typeOf("blk.0.attn_q.weight")).isEqualTo(TensorType.Q4_0);
    }

    /** The 70B rule and a big model's layer split, on a config-shaped tensor list. */
    @Test
    void llama70BGetsQ5KValues() {
        List<TensorInfo> ts = new ArrayList<>();
        for (int i = 0; i < 80; i++) {
            ts.add(t("blk." + i + ".attn_v.weight", 1024, 8192));
            ts.add(t("blk." + i + ".ffn_down.weight", 8192, 28672));
        }
        QuantPlan plan = QuantPlan.of(ts, new QuantPlan.Model("llama", 80, 64, 8, 0), QuantPreset.Q3_K_S, QuantOptions.DEFAULT);
        assertThat(plan.typeOf("blk.40.attn_v.weight")).isEqualTo(TensorType.Q5_K);
        assertThat(plan.typeOf("blk.40.ffn_down.weight")).isEqualTo(TensorType.Q3_K);
        QuantPlan km = QuantPlan.of(ts, new QuantPlan.Model("llama", 80, 64, 8, 0), QuantPreset.Q4_K_M, QuantOptions.DEFAULT);
        // use_more_bits: first and last 10 layers, and every third in between
        assertThat(km.typeOf("blk.9.ffn_down.weight")).isEqualTo(TensorType.Q6_K);
        assertThat(km.typeOf("blk.10.ffn_down.weight")).isEqualTo(TensorType.Q4_K);
        assertThat(km.typeOf("blk.12.ffn_down.weight")).isEqualTo(TensorType.Q6_K);
        assertThat(km.typeOf("blk.70.ffn_down.weight")).isEqualTo(TensorType.Q6_K);
    }

    private static TensorInfo t(String name, long rows, long cols) {
        return new TensorInfo(name, new long[] {rows, cols}, TensorType.F16, 0, 0, 0, TensorRole.OTHER, -1);
    }

}
