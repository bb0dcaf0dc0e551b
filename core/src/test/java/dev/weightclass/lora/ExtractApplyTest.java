package dev.weightclass.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weightclass.SharedData;
import dev.weightclass.format.ModelFile;
import dev.weightclass.format.gguf.GgufFile;
import dev.weightclass.runtime.Kernels;
import dev.weightclass.runtime.LlamaModel;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * On aidreams260K: a fine-tune made by adding known rank-4 updates to every block matrix is
 * extracted back (GGUF and PEFT), merged, and applied at run time; all three must agree.
 */
class ExtractApplyTest {
    static final int R = 4;

    @TempDir
    static Path dir;
    static Path base, finetuned;
    static Kernels kernels;

    @BeforeAll
    static void perturb() throws Exception {
        base = SharedData.data("aidreams260K/aidreams260K-f32.gguf");
        finetuned = dir.resolve("finetuned.gguf");
        Random rnd = new Random(3);
        try (GgufFile in = GgufFile.open(base)) {
            Fixtures.rewriteGguf(in, finetuned, null, (t, w) -> {
                if (t.layer() < 0) return null;
                int out = (int) t.dim(0), inDim = (int) t.dim(1);
                Fixtures.Pair p = new Fixtures.Pair(Fixtures.random(rnd, R * inDim, 0.05), Fixtures.random(rnd, out * R, 0.05),
                        R, inDim, out);
                float[] d = Fixtures.delta(p, 1.0);
                for (int i = 0; i < w.length; i++) w[i] += d[i];
                return w;
            });
        }
        kernels = Kernels.scalar(1);
    }

    @AfterAll
    static void close() {
        if (kernels != null) kernels.close();   // null when ../shared is absent and setup was skipped
    }

    static String[] run(String... args) {
        return Fixtures.run(args);
    }

    /** max |merged - finetuned| over every tensor, relative to max |finetuned|. */
    static double worstDifference(Path merged) throws Exception {
        double worst = 0;
        try (ModelFile a = ModelFile.open(merged); ModelFile b = ModelFile.open(finetuned)) {
            for (TensorInfo t : b.tensors()) {
                float[] x = Fixtures.floats(a, t.name()), y = Fixtures.floats(b, t.name());
                double max = 0, err = 0;
                for (int i = 0; i < x.length; i++) {
                    max = Math.max(max, Math.abs(y[i]));
                    err = Math.max(err, Math.abs(x[i] - y[i]));
                }
                worst = Math.max(worst, err / max);
            }
        }
        return worst;
    }

    @Test
    void extractRecoversTheKnownLowRankDifferenceToFloatPrecision() throws Exception {
        for (String out : List.of("adapter.gguf", "peft")) {
            Path adapter = dir.resolve(out);
            String[] r = run("lora", "extract", base.toString(), finetuned.toString(), "--rank", String.valueOf(R), "-o",
                    adapter.toString(), "--json", "-t", "2");
            assertThat(r[0]).as(r[2]).isEqualTo("0");
            JsonNode j = new ObjectMapper().readTree(r[1]);
            assertThat(j.path("tensors_extracted").asInt()).isEqualTo(4 * 7);
            assertThat(j.path("min_energy").asDouble()).isGreaterThan(1 - 1e-9);
            Path merged = dir.resolve("merged-" + out + ".gguf");
            String[] m = run("lora", "merge", base.toString(), adapter.toString(), "-o", merged.toString());
            assertThat(m[0]).as(m[2]).isEqualTo("0");
            assertThat(worstDifference(merged)).as(out).isLessThan(2e-6);
        }
        try (LoraAdapter a = LoraAdapter.open(dir.resolve("adapter.gguf"))) {
            assertThat(a.format()).isEqualTo(LoraAdapter.Format.GGUF);
            assertThat(a.alpha()).contains((double) R);
            LoraPair q = a.pairs().stream().filter(p -> p.target().equals("blk.0.attn_q.weight")).findFirst().orElseThrow();
            assertThat(q.a().shape()).containsExactly(R, 64);    // llama.cpp: lora_a ne = [in, r]
            assertThat(q.b().shape()).containsExactly(64, R);    // lora_b ne = [r, out]
        }
        try (LoraAdapter a = LoraAdapter.open(dir.resolve("peft"))) {
            assertThat(a.pairs()).extracting(LoraPair::target).contains("model.layers.0.self_attn.q_proj");
        }
    }

    @Test
    void rankOutOfRangeIsOneLineExit2() {
        String[] r = run("lora", "extract", base.toString(), finetuned.toString(), "--rank", "65", "-o",
                dir.resolve("x.gguf").toString());
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2].strip().lines().count()).isEqualTo(1);
        assertThat(r[2]).contains("rank 65").contains("blk.0.attn_q.weight");
        assertThat(run("lora", "extract", base.toString(), finetuned.toString(), "--rank", "0", "-o",
                dir.resolve("x.gguf").toString())[0]).isEqualTo("2");
    }

    static float[][] logits(LlamaModel m, int[] ids) {
        return m.forward(m.newSession(ids.length), ids, 0, ids.length, true);
    }

    static double maxDiff(float[][] a, float[][] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) for (int j = 0; j < a[i].length; j++) d = Math.max(d, Math.abs(a[i][j] - b[i][j]));
        return d;
    }

    @Test
    void applyingAtLoadTimeGivesTheMergedModelsLogits() throws Exception {
        Path adapter = dir.resolve("apply.gguf");
        assertThat(run("lora", "extract", base.toString(), finetuned.toString(), "--rank", String.valueOf(R), "-o",
                adapter.toString())[0]).isEqualTo("0");
        Path merged = dir.resolve("apply-merged.gguf");
        Path half = dir.resolve("apply-half.gguf");
        assertThat(run("lora", "merge", base.toString(), adapter.toString(), "-o", merged.toString())[0]).isEqualTo("0");
        assertThat(run("lora", "merge", base.toString(), adapter.toString(), "-o", half.toString(), "--scale", "0.5")[0])
                .isEqualTo("0");
        int[] ids = {1, 72, 300, 45, 9, 260, 301, 17, 88, 410, 5, 33};
        float[][] plain, applied, appliedHalf, mergedLogits, halfLogits;
        try (LlamaModel m = LoraRuntime.open(base, kernels, List.of())) { plain = logits(m, ids); }
        try (LlamaModel m = LoraRuntime.open(base, kernels, List.of(new AdapterSpec(adapter, 1)))) { applied = logits(m, ids); }
        try (LlamaModel m = LoraRuntime.open(base, kernels, List.of(AdapterSpec.parse(adapter + ":0.5")))) {
            appliedHalf = logits(m, ids);
        }
        try (LlamaModel m = LlamaModel.owning(ModelFile.open(merged), kernels)) { mergedLogits = logits(m, ids); }
        try (LlamaModel m = LlamaModel.owning(ModelFile.open(half), kernels)) { halfLogits = logits(m, ids); }
        assertThat(maxDiff(plain, mergedLogits)).as("the adapter changes the model").isGreaterThan(0.1);
        assertThat(maxDiff(applied, mergedLogits)).isLessThan(1e-3);
        assertThat(maxDiff(appliedHalf, halfLogits)).isLessThan(1e-3);
    }

    @Test
    void applyAndEvalWithLoraScoreLikeTheMergedModel() throws Exception {
        Path adapter = dir.resolve("eval.gguf");
        Path merged = dir.resolve("eval-merged.gguf");
        assertThat(run("lora", "extract", base.toString(), finetuned.toString(), "--rank", String.valueOf(R), "-o",
                adapter.toString())[0]).isEqualTo("0");
        assertThat(run("lora", "merge", base.toString(), adapter.toString(), "-o", merged.toString())[0]).isEqualTo("0");
        String text = SharedData.data("aidreams260K/aidreams260K_teacher_samples.txt").toString();
        String[] a = run("lora", "apply", base.toString(), adapter.toString(), "--text", text, "--ctx", "128", "--chunks", "4", "--json");
        assertThat(a[0]).as(a[2]).isEqualTo("0");
        String[] e = run("eval", merged.toString(), "--text", text, "--ctx", "128", "--chunks", "4", "--json");
        String[] l = run("eval", base.toString(), "--lora", adapter.toString(), "--text", text, "--ctx", "128", "--chunks", "4", "--json");
        ObjectMapper json = new ObjectMapper();
        double applied = json.readTree(a[1]).path("perplexity").asDouble();
        double viaEval = json.readTree(l[1]).path("perplexity").asDouble();
        double mergedPpl = json.readTree(e[1]).path("perplexity").asDouble();
        assertThat(applied).isCloseTo(mergedPpl, org.assertj.core.api.Assertions.within(mergedPpl * 1e-4));
        assertThat(viaEval).isCloseTo(mergedPpl, org.assertj.core.api.Assertions.within(mergedPpl * 1e-4));
        assertThat(json.readTree(a[1]).path("mean_kl_from_base").asDouble()).isPositive();
    }

    @Test
    void aPeftAdapterRunsTheSameOnTheHuggingFaceAndTheGgufBase() throws Exception {
        // random adapter on q/k/v/o in Hugging Face names: on the GGUF base its q/k B rows must be permuted
        Random rnd = new Random(5);
        java.util.Map<String, Fixtures.Pair> pairs = new java.util.LinkedHashMap<>();
        for (int l = 0; l < 4; l++) {
            for (String p : new String[] {"q_proj", "k_proj", "v_proj", "o_proj"}) {
                pairs.put("model.layers." + l + ".self_attn." + p,
                        new Fixtures.Pair(Fixtures.random(rnd, 2 * 64, 0.1), Fixtures.random(rnd, 64 * 2, 0.1), 2, 64, 64));
            }
        }
        Path peft = Fixtures.peft(dir.resolve("random-peft"), pairs, Fixtures.config(2, 4, false, "q_proj", "k_proj", "v_proj", "o_proj"));
        Path hf = SharedData.data("aidreams260K/hf/model.safetensors");
        int[] ids = {1, 72, 300, 45, 9, 260, 301, 17};
        float[][] onHf, onGguf, plain;
        try (LlamaModel m = LoraRuntime.open(hf, kernels, List.of(new AdapterSpec(peft, 1)))) { onHf = logits(m, ids); }
        try (LlamaModel m = LoraRuntime.open(base, kernels, List.of(new AdapterSpec(peft, 1)))) { onGguf = logits(m, ids); }
        try (LlamaModel m = LoraRuntime.open(base, kernels, List.of())) { plain = logits(m, ids); }
        assertThat(maxDiff(plain, onGguf)).isGreaterThan(0.05);
        assertThat(maxDiff(onHf, onGguf)).isLessThan(1e-3);
    }

    @Test
    void mergeIntoAQuantizedBaseRequantizesAndReportsTheError() throws Exception {
        Path adapter = dir.resolve("q.gguf");
        assertThat(run("lora", "extract", base.toString(), finetuned.toString(), "--rank", String.valueOf(R), "-o",
                adapter.toString())[0]).isEqualTo("0");
        Path q8 = SharedData.data("aidreams260K/aidreams260K-q8_0.gguf");
        Path out = dir.resolve("merged-q8_0.gguf");
        LoraMerge.Result r;
        try (ModelFile b = ModelFile.open(q8); LoraAdapter a = LoraAdapter.open(adapter)) {
            r = LoraMerge.merge(b, a, 1.0, out, 2, null);
        }
        try (ModelFile b = ModelFile.open(q8); ModelFile m = ModelFile.open(out); LoraAdapter a = LoraAdapter.open(adapter)) {
            for (TensorInfo t : b.tensors()) assertThat(m.tensor(t.name()).orElseThrow().type()).isEqualTo(t.type());
            assertThat(r.tensors()).anyMatch(t -> t.type() == TensorType.Q8_0).anyMatch(t -> t.type() == TensorType.F16);
            for (LoraMerge.TensorReport rep : r.tensors()) {
                // independently: rms(stored merged - (dequantized base + delta))
                BoundPair bp = LoraBinding.bind(a, b, 1.0).stream().filter(x -> x.base().name().equals(rep.name())).findFirst().orElseThrow();
                LoraPair p = bp.pair();
                float[] d = Fixtures.delta(new Fixtures.Pair(bp.a(a), bp.b(a), p.rank(), p.in(), p.out()), bp.scale());
                float[] w = Fixtures.floats(b, rep.name()), got = Fixtures.floats(m, rep.name());
                double es = 0;
                for (int i = 0; i < w.length; i++) {
                    double e = got[i] - (w[i] + d[i]);
                    es += e * e;
                }
                assertThat(rep.requantRms()).isCloseTo(Math.sqrt(es / w.length), org.assertj.core.api.Assertions.within(1e-9));
                assertThat(rep.requantRms()).isPositive();
            }
        }
        assertThat(Files.size(out)).isEqualTo(Files.size(q8));
    }
}
