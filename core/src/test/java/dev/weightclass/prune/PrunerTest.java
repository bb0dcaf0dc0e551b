package dev.weightclass.prune;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weightclass.SharedData;
import dev.weightclass.eval.Perplexity;
import dev.weightclass.format.ModelFile;
import dev.weightclass.format.gguf.GgufFile;
import dev.weightclass.quant.QuantPreset;
import dev.weightclass.quant.TensorRows;
import dev.weightclass.runtime.Aidreams;
import dev.weightclass.runtime.Kernels;
import dev.weightclass.runtime.LlamaModel;
import dev.weightclass.runtime.Sampler;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Pruning aidreams260K (4 blocks, rows of 64 and 172 weights) and checking what the files hold. */
class PrunerTest {
    static Kernels kernels;

    @BeforeAll
    static void kernels() { kernels = Kernels.vector(2); }

    @AfterAll
    static void close() { kernels.close(); }

    static Path f32() { return SharedData.data("aidreams260K/aidreams260K-f32.gguf"); }

    static Perplexity.Result evaluate(Path pruned, LlamaModel dense, int[] tokens) throws IOException {
        try (LlamaModel m = LlamaModel.owning(ModelFile.open(pruned), kernels)) {
            return Perplexity.evaluate(m, dense, tokens, 128, 1, null);
        }
    }

    @Test
    void wandaBeatsMagnitudeOnKlAgainstTheDenseModelAtHalfSparsity(@TempDir Path dir) throws IOException {
        List<int[]> samples = Aidreams.teacherSamples();
        List<int[]> calibration = samples.subList(0, 30);
        int[] heldOut = samples.subList(30, 60).stream().flatMapToInt(Arrays::stream).toArray();
        try (ModelFile in = ModelFile.open(f32())) {
            LlamaModel dense = LlamaModel.of(in, kernels);
            ActivationNorms norms = ActivationNorms.collect(dense, calibration, null);
            assertThat(norms.tokens()).isEqualTo(calibration.stream().mapToInt(s -> s.length).sum());
            assertThat(norms.all()).hasSize(4 * 7);
            PruneResult mag = Pruner.prune(in, dir.resolve("mag.gguf"), PruneOptions.of(PruneMethod.MAGNITUDE, 0.5), null, null);
            PruneResult wanda = Pruner.prune(in, dir.resolve("wanda.gguf"), PruneOptions.of(PruneMethod.WANDA, 0.5), norms, null);
            assertThat(mag.sparsity()).isEqualTo(0.5);
            assertThat(wanda.sparsity()).isEqualTo(0.5);
            Perplexity.Result m = evaluate(dir.resolve("mag.gguf"), dense, heldOut);
            Perplexity.Result w = evaluate(dir.resolve("wanda.gguf"), dense, heldOut);
            System.out.printf("aidreams260K 50%% held-out teacher samples: dense PPL %.4f; magnitude PPL %.4f KL %.4f top1 %.4f;"
                            + " wanda PPL %.4f KL %.4f top1 %.4f%n", m.referencePerplexity(), m.perplexity(), m.meanKl(),
                    m.top1Agreement(), w.perplexity(), w.meanKl(), w.top1Agreement());
            assertThat(m.meanKl()).isPositive();
            assertThat(w.meanKl()).isLessThan(m.meanKl());
            assertThat(w.perplexity()).isLessThan(m.perplexity());
        }
    }

    @Test
    void everyRowOfEveryBlockMatrixLosesExactlyItsShare(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("p.gguf");
        try (ModelFile in = ModelFile.open(f32())) {
            PruneResult r = Pruner.prune(in, out, PruneOptions.of(PruneMethod.MAGNITUDE, 0.3), null, null);
            assertThat(r.tensors()).hasSize(4 * 7);
            try (ModelFile o = ModelFile.open(out)) {
                int matrices = 0;
                for (TensorInfo t : in.tensors()) {
                    TensorInfo p = o.tensor(t.name()).orElseThrow();
                    boolean matrix = Pruner.prunable(t, LayerNames.layerOf(t.name()));
                    if (!matrix) {
                        assertThat(o.data(p).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))
                                .as(t.name()).isEqualTo(in.data(t).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
                        continue;
                    }
                    matrices++;
                    int cols = (int) t.rowLength();
                    float[] a = new float[cols], b = new float[cols];
                    for (long row = 0; row < t.dim(0); row++) {
                        TensorRows.read(in.data(t), t.type(), cols, row, a, 0);
                        TensorRows.read(o.data(p), p.type(), cols, row, b, 0);
                        assertThat(zeros(a)).as("input %s row %d", t.name(), row).isZero();
                        assertThat(zeros(b)).as("%s row %d", t.name(), row).isEqualTo((int) Math.floor(0.3 * cols));
                        // the kept weights are untouched and no kept |w| is below a pruned |w|
                        float maxPruned = 0, minKept = Float.MAX_VALUE;
                        for (int i = 0; i < cols; i++) {
                            if (b[i] == 0) maxPruned = Math.max(maxPruned, Math.abs(a[i]));
                            else {
                                assertThat(b[i]).isEqualTo(a[i]);
                                minKept = Math.min(minKept, Math.abs(a[i]));
                            }
                        }
                        assertThat(maxPruned).isLessThanOrEqualTo(minKept);
                    }
                }
                assertThat(matrices).isEqualTo(28);
            }
        }
    }

    @Test
    void twoFourKeepsTheTwoHighestScoresOfEveryGroupOfFour(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("p.gguf");
        try (ModelFile in = ModelFile.open(f32())) {
            // made-up norms that favour every third input: wanda must follow them, not the magnitudes
            java.util.Map<String, float[]> n = new java.util.HashMap<>();
            for (TensorInfo t : in.tensors()) {
                float[] v = new float[(int) t.rowLength()];
                for (int i = 0; i < v.length; i++) v[i] = i % 3 == 0 ? 100f : 1f;
                n.put(t.name(), v);
            }
            PruneResult r = Pruner.prune(in, out, PruneOptions.of(PruneMethod.WANDA, SparsityPattern.parse("2:4")),
                    ActivationNorms.of(n, 0, 0), null);
            assertThat(r.sparsity()).isEqualTo(0.5);
            try (ModelFile o = ModelFile.open(out)) {
                for (PrunedTensor pt : r.tensors()) {
                    TensorInfo t = in.tensor(pt.name()).orElseThrow(), p = o.tensor(pt.name()).orElseThrow();
                    int cols = (int) t.rowLength();
                    float[] a = new float[cols], b = new float[cols], norms = n.get(t.name());
                    for (long row = 0; row < t.dim(0); row++) {
                        TensorRows.read(in.data(t), t.type(), cols, row, a, 0);
                        TensorRows.read(o.data(p), p.type(), cols, row, b, 0);
                        for (int g = 0; g < cols; g += 4) {
                            int z = 0;
                            float maxPruned = 0, minKept = Float.MAX_VALUE;
                            for (int i = g; i < g + 4; i++) {
                                float s = Math.abs(a[i]) * norms[i];
                                if (b[i] == 0) { z++; maxPruned = Math.max(maxPruned, s); }
                                else minKept = Math.min(minKept, s);
                            }
                            assertThat(z).as("%s row %d group %d", t.name(), row, g / 4).isEqualTo(2);
                            assertThat(maxPruned).isLessThanOrEqualTo(minKept);
                        }
                    }
                }
            }
            // the N:M layout: 2 values of 32 bits and 2 x 2 index bits per 4 weights
            PrunedTensor q = r.tensors().getFirst();
            assertThat(q.nmBytes(SparsityPattern.parse("2:4"))).isEqualTo(q.elements() / 4 * (2 * 32 + 2 * 2) / 8);
        }
    }

    @Test
    void droppedBlocksAreRemovedAndTheRestRenumberedAndRun(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("d.gguf");
        try (GgufFile in = GgufFile.open(f32())) {
            PruneResult r = Pruner.prune(in, out, PruneOptions.of(PruneMethod.MAGNITUDE, 0).withDropLayers(Set.of(1, 2)),
                    null, null);
            assertThat(r.layersOut()).isEqualTo(2);
            assertThat(r.droppedBytes()).isPositive();
            try (GgufFile o = GgufFile.open(out)) {
                assertThat(o.kv().get("llama.block_count").asLong()).isEqualTo(2);
                assertThat(o.tensors()).hasSize(in.tensors().size() - 2 * 9);
                assertThat(o.tensors()).noneMatch(t -> t.name().startsWith("blk.2.") || t.name().startsWith("blk.3."));
                // sparsity 0: blk.3 is copied as blk.1, byte for byte
                for (TensorInfo t : in.tensors()) {
                    if (!t.name().startsWith("blk.3.")) continue;
                    TensorInfo p = o.tensor(t.name().replace("blk.3.", "blk.1.")).orElseThrow();
                    assertThat(o.data(p).mismatch(in.data(t))).as(t.name()).isEqualTo(-1L);
                }
                try (LlamaModel m = LlamaModel.of(o, kernels)) {
                    assertThat(m.config().layers()).isEqualTo(2);
                    LlamaModel.Session s = m.newSession(16);
                    int token = 1;
                    for (int i = 0; i < 8; i++) {
                        float[] logits = m.next(s, token);
                        for (float l : logits) assertThat(Float.isFinite(l)).isTrue();
                        token = Sampler.argmax(logits);
                    }
                }
            }
        }
    }

    @Test
    void quantizedInTheSamePassKeepsTheZeros(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("q.gguf");
        try (ModelFile in = ModelFile.open(f32())) {
            PruneResult r = Pruner.prune(in, out, PruneOptions.of(PruneMethod.MAGNITUDE, 0.5).withType(QuantPreset.Q8_0),
                    null, null);
            assertThat(r.outputFileBytes()).isLessThan(r.inputFileBytes());
            for (PrunedTensor t : r.tensors()) {
                // ffn_down rows (172) are not whole Q8_0 blocks: llama-quantize's fallback
                assertThat(t.to()).as(t.name()).isEqualTo(t.cols() % 32 == 0 ? TensorType.Q8_0 : TensorType.F16);
                assertThat(t.zerosStored()).as(t.name()).isEqualTo(t.elements() / 2);
            }
            try (LlamaModel m = LlamaModel.owning(ModelFile.open(out), kernels)) {
                assertThat(Sampler.argmax(m.next(m.newSession(4), 1))).isBetween(0, 511);
            }
        }
    }

    @Test
    void safetensorsModelKeepsItsFormatAndGetsItsOwnConfig(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("model.safetensors");
        try (ModelFile in = ModelFile.open(SharedData.data("aidreams260K/hf/model.safetensors"))) {
            PruneResult r = Pruner.prune(in, out, PruneOptions.of(PruneMethod.MAGNITUDE, 0.5).withDropLayers(Set.of(0)),
                    null, null);
            assertThat(r.layersOut()).isEqualTo(3);
            assertThat(r.sparsity()).isEqualTo(0.5);
        }
        JsonNode config = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        assertThat(config.path("num_hidden_layers").asInt()).isEqualTo(3);
        try (LlamaModel m = LlamaModel.owning(ModelFile.open(out), kernels)) {
            assertThat(m.config().layers()).isEqualTo(3);
            assertThat(m.weights().layers.get(2).wq().name()).isEqualTo("model.layers.2.self_attn.q_proj.weight");
            for (float l : m.next(m.newSession(4), 1)) assertThat(Float.isFinite(l)).isTrue();
        }
        assertThat(Files.exists(dir.resolve("tokenizer.json"))).isEqualTo(
                Files.exists(SharedData.data("aidreams260K/hf/model.safetensors").resolveSibling("tokenizer.json")));
    }

    @Test
    void rowPrunerZeroesTheLowestScoresWithTiesToTheLowerColumn() {
        RowPruner p = new RowPruner(6);
        float[] row = {0.5f, -0.1f, 0.1f, 2f, -3f, 0.2f};
        assertThat(p.prune(row, null, 0.5, SparsityPattern.UNSTRUCTURED)).isEqualTo(3);
        assertThat(row).containsExactly(0.5f, 0f, 0f, 2f, -3f, 0f);
        float[] tie = {0.5f, -0.1f, 0.1f, 2f, -3f, 0.2f};
        assertThat(p.prune(tie, null, 1.0 / 6, SparsityPattern.UNSTRUCTURED)).isEqualTo(1);
        assertThat(tie).containsExactly(0.5f, 0f, 0.1f, 2f, -3f, 0.2f);
        // wanda: a loud input keeps its small weight, a quiet one loses its large weight
        float[] w = {0.5f, -0.1f, 0.1f, 2f, -3f, 0.2f};
        float[] norms = {1f, 100f, 1f, 0.01f, 1f, 1f};
        p.prune(w, norms, 0.5, SparsityPattern.UNSTRUCTURED);
        assertThat(w).containsExactly(0.5f, -0.1f, 0f, 0f, -3f, 0f);
    }

    @Test
    void selectFindsTheKSmallestLikeASortDoes() {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(7);
        for (int trial = 0; trial < 300; trial++) {
            int n = 1 + rnd.nextInt(300);
            long[] a = new long[n];
            // few distinct scores (many ties in the high bits), made distinct by the index as in the pruner
            for (int i = 0; i < n; i++) a[i] = ((long) rnd.nextInt(trial % 2 == 0 ? 5 : 1 << 20) << 32) | i;
            if (trial % 10 == 0) Arrays.sort(a);
            long[] sorted = a.clone();
            Arrays.sort(sorted);
            int k = rnd.nextInt(n);
            RowPruner.select(a, n, k);
            long[] head = Arrays.copyOf(a, k);
            Arrays.sort(head);
            assertThat(head).as("n %d k %d", n, k).containsExactly(Arrays.copyOf(sorted, k));
        }
    }

    static int zeros(float[] v) {
        int z = 0;
        for (float x : v) if (x == 0f) z++;
        return z;
    }
}
