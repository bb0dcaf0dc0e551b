package dev.weightclass.share;

import dev.weightclass.SharedData;
import dev.weightclass.format.ModelFile;
import dev.weightclass.format.gguf.GgufFile;
import dev.weightclass.format.gguf.GgufTensorSpec;
import dev.weightclass.format.gguf.GgufWriter;
import dev.weightclass.format.safetensors.SafetensorsWriter;
import dev.weightclass.runtime.Kernels;
import dev.weightclass.runtime.LlamaModel;
import dev.weightclass.runtime.SharedLayout;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;

import static org.assertj.core.api.Assertions.assertThat;

/** Shared models written from aidreams260K load in the runtime and compute what they should. */
class ShareModelTest {

    static final int[] PROMPT = {1, 72, 301, 43, 9, 400, 11, 87, 250, 3};

    static Path f32() { return SharedData.data("aidreams260K/aidreams260K-f32.gguf"); }

    /** All logits of PROMPT, with the given kernels. */
    static float[][] logits(Path model, Kernels k) throws IOException {
        try (LlamaModel m = LlamaModel.owning(ModelFile.open(model), k)) {
            return m.forward(m.newSession(PROMPT.length), PROMPT, 0, PROMPT.length, true);
        }
    }

    static void write(Path source, Path target, java.util.function.Consumer<SharedModel> change) throws IOException {
        try (ModelFile src = ModelFile.open(source)) {
            SharedModel m = new SharedModel(src);
            change.accept(m);
            ShareWriter.write(m, target);
        }
    }

    @Test
    void palettizedRuntimeEqualsTheExpandedWeights(@TempDir Path dir) throws IOException {
        Path pal = dir.resolve("p3.gguf"), dense = dir.resolve("p3-f32.gguf");
        try (ForkJoinPool pool = new ForkJoinPool(2)) {
            write(f32(), pal, m -> Palettization.apply(m, new Palettizer.Options(3, 4, TensorType.F16, 1), Map.of(), null, pool));
        }
        write(pal, dense, m -> Palettization.expandStored(m, TensorType.F32));
        try (ModelFile p = ModelFile.open(pal); ModelFile d = ModelFile.open(dense)) {
            assertThat(p.tensor("blk.0.attn_q.weight")).isEmpty();
            assertThat(p.tensor("blk.0.attn_q.weight.idx").orElseThrow().shape()).containsExactly(64, 24);
            assertThat(p.metadata().get(SharedLayout.PALETTE + "blk.0.ffn_down.weight")).isEqualTo("bits=3,group=4,cols=172");
            assertThat(d.tensor("blk.0.attn_q.weight").orElseThrow().type()).isEqualTo(TensorType.F32);
            assertThat(d.metadata().keySet()).noneMatch(k -> k.startsWith(SharedLayout.PALETTE));
            assertThat(p.fileBytes()).isLessThan(d.fileBytes() / 6);
        }
        // the reference kernels decode a row and dot it in order: the palette path must give the same bits
        try (Kernels s = Kernels.scalar(2)) {
            float[][] a = logits(pal, s), b = logits(dense, s);
            for (int i = 0; i < a.length; i++) assertThat(a[i]).containsExactly(b[i]);
        }
        try (Kernels v = Kernels.vector(2)) {
            float[][] a = logits(pal, v), b = logits(dense, v), orig = logits(f32(), v);
            for (int i = 0; i < a.length; i++) {
                for (int j = 0; j < a[i].length; j++) assertThat(a[i][j]).isCloseTo(b[i][j], org.assertj.core.data.Offset.offset(1e-3f));
            }
            assertThat(a[5]).isNotEqualTo(orig[5]);   // 3-bit tables do change the model
        }
    }

    @Test
    void safetensorsPaletteRunsWithItsConfig(@TempDir Path dir) throws IOException {
        Path hf = SharedData.data("aidreams260K/hf/model.safetensors");
        Path out = dir.resolve("p8/model.safetensors");
        Files.createDirectories(out.getParent());
        try (ForkJoinPool pool = new ForkJoinPool(2)) {
            write(hf, out, m -> Palettization.apply(m, new Palettizer.Options(8, 0, TensorType.F32, 1), Map.of(), null, pool));
        }
        assertThat(out.resolveSibling("config.json")).exists();
        try (Kernels s = Kernels.scalar(1)) {
            float[][] a = logits(out, s), b = logits(hf, s);
            // 8-bit tables of a 230K model: the same top token everywhere
            for (int i = 0; i < a.length; i++) assertThat(argmax(a[i])).isEqualTo(argmax(b[i]));
        }
    }

    @Test
    void tiedGgufDropsTheClassifierAndRunsIdentically(@TempDir Path dir) throws IOException {
        Path untied = dir.resolve("untied.gguf"), tied = dir.resolve("tied.gguf");
        withClassifierCopy(f32(), untied);
        write(untied, tied, m -> assertThat(Dedupe.apply(m, false).tied()).isTrue());
        try (GgufFile t = GgufFile.open(tied); GgufFile u = GgufFile.open(untied)) {
            assertThat(t.tensor("output.weight")).isEmpty();
            assertThat(u.fileBytes() - t.fileBytes()).isGreaterThanOrEqualTo(512 * 64 * 4);
        }
        try (Kernels s = Kernels.scalar(1)) {
            float[][] a = logits(tied, s), b = logits(untied, s);
            for (int i = 0; i < a.length; i++) assertThat(a[i]).containsExactly(b[i]);
        }
    }

    @Test
    void safetensorsDuplicatesBecomeAliasesAndRunIdentically(@TempDir Path dir) throws IOException {
        Path hf = SharedData.data("aidreams260K/hf/model.safetensors");
        Path in = dir.resolve("in/model.safetensors"), out = dir.resolve("out/model.safetensors");
        Files.createDirectories(in.getParent());
        Files.createDirectories(out.getParent());
        Files.copy(hf.resolveSibling("config.json"), in.resolveSibling("config.json"));
        // lm_head = embedding, and layer 3's up projection a copy of layer 2's
        try (ModelFile src = ModelFile.open(hf)) {
            List<SafetensorsWriter.Tensor> ts = new ArrayList<>();
            for (TensorInfo t : src.tensors()) {
                String n = t.name().equals("model.layers.3.mlp.up_proj.weight") ? null : t.name();
                if (n != null) ts.add(new SafetensorsWriter.Tensor(n, t.type(), t.shape(), SafetensorsWriter.TensorData.of(src.data(t))));
            }
            TensorInfo e = src.tensor("model.embed_tokens.weight").orElseThrow();
            TensorInfo up = src.tensor("model.layers.2.mlp.up_proj.weight").orElseThrow();
            ts.add(new SafetensorsWriter.Tensor("lm_head.weight", e.type(), e.shape(), SafetensorsWriter.TensorData.of(src.data(e))));
            ts.add(new SafetensorsWriter.Tensor("model.layers.3.mlp.up_proj.weight", up.type(), up.shape(),
                    SafetensorsWriter.TensorData.of(src.data(up))));
            SafetensorsWriter.write(in, ts, Map.of("format", "pt"));
        }
        write(in, out, m -> {
            Dedupe.Result r = Dedupe.apply(m, true);
            assertThat(r.tied()).isTrue();
            assertThat(r.aliased()).containsExactly("model.layers.3.mlp.up_proj.weight");
        });
        try (ModelFile o = ModelFile.open(out)) {
            assertThat(o.tensor("lm_head.weight")).isEmpty();
            assertThat(o.metadata().get(SharedLayout.ALIAS + "model.layers.3.mlp.up_proj.weight"))
                    .isEqualTo("model.layers.2.mlp.up_proj.weight");
        }
        assertThat(Files.readString(out.resolveSibling("config.json"))).contains("\"tie_word_embeddings\" : true");
        try (Kernels s = Kernels.scalar(1)) {
            float[][] a = logits(out, s), b = logits(in, s);
            for (int i = 0; i < a.length; i++) assertThat(a[i]).containsExactly(b[i]);
        }
    }

    @Test
    void crossLayerSharingWritesALoadableModel(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("x.gguf");
        List<CrossLayer.Pair> applied = new ArrayList<>();
        try (ForkJoinPool pool = new ForkJoinPool(2); ModelFile src = ModelFile.open(f32())) {
            List<CrossLayer.Pair> pairs = CrossLayer.analyse(src, pool);
            assertThat(pairs).hasSize(7 * 6);       // 7 matrices x C(4, 2) layer pairs
            assertThat(pairs.getFirst().relativeL2()).isLessThanOrEqualTo(pairs.getLast().relativeL2());
            SharedModel m = new SharedModel(src);
            applied.addAll(CrossLayer.apply(m, pairs, 3));
            ShareWriter.write(m, out);
        }
        assertThat(applied).hasSize(3);
        try (ModelFile o = ModelFile.open(out)) {
            for (CrossLayer.Pair p : applied) {
                assertThat(o.tensor(p.nameB())).isEmpty();
                assertThat(o.metadata().get(SharedLayout.ALIAS + p.nameB())).isEqualTo(p.nameA());
            }
        }
        try (Kernels s = Kernels.scalar(1)) {
            float[][] a = logits(out, s);
            for (float[] row : a) for (float v : row) assertThat(Float.isFinite(v)).isTrue();
        }
    }

    /** aidreams260K with its classifier stored as a copy of the embedding (how untied exports look). */
    static void withClassifierCopy(Path source, Path target) throws IOException {
        try (GgufFile src = GgufFile.open(source)) {
            List<GgufTensorSpec> specs = new ArrayList<>(src.tensorSpecs());
            TensorInfo e = src.tensor("token_embd.weight").orElseThrow();
            specs.add(new GgufTensorSpec("output.weight", GgufTensorSpec.of(e).ne(), e.type()));
            GgufWriter.write(target, src.kv(), specs, (i, spec, sink) ->
                    sink.write(src.data(i < src.tensors().size() ? src.tensors().get(i) : e)));
        }
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
