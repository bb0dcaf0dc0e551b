package dev.weightclass.distill.decoder;

import ai.djl.ndarray.NDManager;
import dev.weightclass.distill.ScratchInit;
import dev.weightclass.distill.Slicing;
import dev.weightclass.distill.train.Param;
import dev.weightclass.distill.train.Torch;
import dev.weightclass.format.ModelFile;
import dev.weightclass.format.gguf.GgufTensorSpec;
import dev.weightclass.format.gguf.GgufValue;
import dev.weightclass.format.gguf.GgufWriter;
import dev.weightclass.runtime.LlamaConfig;
import dev.weightclass.runtime.LlamaWeights;
import dev.weightclass.tensor.TensorType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Which channels, heads and FFN units a narrower llama student keeps, on a hand-made model whose
 * weights are row scale * column scale: width 4 (2 heads of 2), FFN 3, vocabulary 8, one block.
 */
public class LlamaSliceTest {
    static NDManager m;

    @BeforeAll
    static void engine() { m = Torch.manager(1); }

    @AfterAll
    static void close() { m.close(); }

    /** Residual channels 1 and 3 are strong in every tensor but the token table, which puts 90% of its energy on channel 0. */
    static final float[] CHANNELS = {0.1f, 1f, 0.2f, 0.9f};
    static final float[] TABLE_CHANNELS = {3f, 1f, 0.2f, 0.9f};
    /** Rows of Wq, Wk, Wv and columns of Wo: head 1 (rows 2, 3) is the stronger. */
    static final float[] HEAD_ROWS = {0.5f, 0.5f, 1f, 1f};
    /** FFN units 0 and 2 are strong in gate, up and down. */
    static final float[] UNITS = {1f, 0.1f, 2f};

    /** rows x cols with value rowScale[r] * colScale[c] * (-1)^(r+c). */
    public static float[] outer(float[] rowScale, float[] colScale) {
        float[] v = new float[rowScale.length * colScale.length];
        for (int r = 0; r < rowScale.length; r++) {
            for (int c = 0; c < colScale.length; c++) v[r * colScale.length + c] = rowScale[r] * colScale[c] * ((r + c) % 2 == 0 ? 1 : -1);
        }
        return v;
    }

    static Path write(Path dir) throws IOException {
        float[] vocabRows = {1, 2, 1, 2, 1, 2, 1, 2};
        Map<String, float[]> t = new LinkedHashMap<>();
        Map<String, long[]> shape = new LinkedHashMap<>();
        put(t, shape, "token_embd.weight", outer(vocabRows, TABLE_CHANNELS), 8, 4);
        put(t, shape, "blk.0.attn_norm.weight", CHANNELS.clone(), 4);
        put(t, shape, "blk.0.attn_q.weight", outer(HEAD_ROWS, CHANNELS), 4, 4);
        put(t, shape, "blk.0.attn_k.weight", outer(HEAD_ROWS, CHANNELS), 4, 4);
        put(t, shape, "blk.0.attn_v.weight", outer(HEAD_ROWS, CHANNELS), 4, 4);
        put(t, shape, "blk.0.attn_output.weight", outer(CHANNELS, HEAD_ROWS), 4, 4);
        put(t, shape, "blk.0.ffn_norm.weight", CHANNELS.clone(), 4);
        put(t, shape, "blk.0.ffn_gate.weight", outer(UNITS, CHANNELS), 3, 4);
        put(t, shape, "blk.0.ffn_up.weight", outer(UNITS, CHANNELS), 3, 4);
        put(t, shape, "blk.0.ffn_down.weight", outer(CHANNELS, UNITS), 4, 3);
        put(t, shape, "output_norm.weight", CHANNELS.clone(), 4);
        Map<String, GgufValue> kv = new LinkedHashMap<>();
        kv.put("general.architecture", GgufValue.string("llama"));
        kv.put("llama.embedding_length", GgufValue.u32(4));
        kv.put("llama.block_count", GgufValue.u32(1));
        kv.put("llama.feed_forward_length", GgufValue.u32(3));
        kv.put("llama.attention.head_count", GgufValue.u32(2));
        kv.put("llama.attention.head_count_kv", GgufValue.u32(2));
        kv.put("llama.context_length", GgufValue.u32(16));
        List<GgufTensorSpec> specs = new ArrayList<>();
        List<float[]> values = new ArrayList<>(t.values());
        shape.forEach((name, s) -> specs.add(new GgufTensorSpec(name,
                s.length == 1 ? s : new long[] {s[1], s[0]}, TensorType.F32))); // GGUF: innermost first
        Path file = dir.resolve("tiny.gguf");
        GgufWriter.write(file, kv, specs, (i, spec, sink) -> {
            ByteBuffer b = ByteBuffer.allocate(values.get(i).length * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(values.get(i));
            sink.write(b);
        });
        return file;
    }

    private static void put(Map<String, float[]> t, Map<String, long[]> shape, String name, float[] v, long... s) {
        t.put(name, v);
        shape.put(name, s);
    }

    @Test
    void keepsTheStrongestChannelsHeadsAndUnitsEveryTensorAgreesOn(@TempDir Path dir) throws IOException {
        try (ModelFile f = ModelFile.open(write(dir))) {
            LlamaConfig c = LlamaConfig.of(f);
            LlamaWeights w = LlamaWeights.load(f, c);
            // by raw energy the token table alone would choose channels 0 and 1; by shares, 1 and 3
            assertThat(LlamaSlice.strongestChannels(w, new int[] {0}, 2)).containsExactly(1, 3);
            assertThat(LlamaSlice.strongestGroups(c, w, new int[] {0}, 1)).isDeepEqualTo(new int[][] {{1}});
            assertThat(LlamaSlice.strongestFfnUnits(w, new int[] {0}, 2)).isDeepEqualTo(new int[][] {{0, 2}});

            LlamaConfig sc = LlamaSlice.studentConfig(c, 1, 2, 2);
            assertThat(sc.dim()).isEqualTo(2);
            assertThat(sc.heads()).isEqualTo(1);
            assertThat(sc.headDim()).as("heads keep their width").isEqualTo(2);
            LlamaSlice slice = LlamaSlice.strongest(c, w, new int[] {0}, sc, null);
            TorchLlama s = TorchLlama.fromTeacher(c, w, slice, false, m);
            Map<String, float[]> p = values(s);
            // Wq keeps rows 2, 3 (head 1) and columns 1, 3; Wo the transposed choice
            assertThat(p.get("blk.0.attn_q.weight")).containsExactly(Slicing.slice(outer(HEAD_ROWS, CHANNELS), 4, 4,
                    new int[] {2, 3}, new int[] {1, 3}));
            assertThat(p.get("blk.0.attn_output.weight")).containsExactly(Slicing.slice(outer(CHANNELS, HEAD_ROWS), 4, 4,
                    new int[] {1, 3}, new int[] {2, 3}));
            assertThat(p.get("blk.0.ffn_down.weight")).containsExactly(Slicing.slice(outer(CHANNELS, UNITS), 4, 3,
                    new int[] {1, 3}, new int[] {0, 2}));
            assertThat(p.get("output_norm.weight")).containsExactly(1f, 0.9f);
            assertThat(p.get("token_embd.weight")).hasSize(8 * 2).startsWith(-1f, -0.9f);
            assertThat(s.config().dim()).isEqualTo(2);
            assertThat(s.config().ffnDim()).isEqualTo(2);
        }
    }

    @Test
    void scratchInitRandomisesOnlyTheNarrowedTensorsAndRepeatsForASeed(@TempDir Path dir) throws IOException {
        try (ModelFile f = ModelFile.open(write(dir))) {
            LlamaConfig c = LlamaConfig.of(f);
            LlamaWeights w = LlamaWeights.load(f, c);
            LlamaConfig sc = LlamaSlice.studentConfig(c, 1, 4, 2); // FFN only
            Map<String, float[]> a = values(TorchLlama.fromTeacher(c, w,
                    LlamaSlice.strongest(c, w, new int[] {0}, sc, new ScratchInit(7)), false, m));
            Map<String, float[]> b = values(TorchLlama.fromTeacher(c, w,
                    LlamaSlice.strongest(c, w, new int[] {0}, sc, new ScratchInit(7)), false, m));
            Map<String, float[]> other = values(TorchLlama.fromTeacher(c, w,
                    LlamaSlice.strongest(c, w, new int[] {0}, sc, new ScratchInit(8)), false, m));
            assertThat(a.get("blk.0.attn_q.weight")).as("not narrowed: the teacher's").containsExactly(outer(HEAD_ROWS, CHANNELS));
            assertThat(a.get("blk.0.ffn_gate.weight")).containsExactly(b.get("blk.0.ffn_gate.weight"));
            assertThat(a.get("blk.0.ffn_gate.weight")).isNotEqualTo(other.get("blk.0.ffn_gate.weight"));
            assertThat(a.get("blk.0.ffn_gate.weight")).isNotEqualTo(a.get("blk.0.ffn_up.weight"));
            float[] big = new ScratchInit(7).normal("x", 20_000);
            double sum = 0, sq = 0;
            for (float v : big) {
                sum += v;
                sq += v * v;
            }
            assertThat(sum / big.length).isCloseTo(0, within(0.001));
            assertThat(Math.sqrt(sq / big.length)).isCloseTo(ScratchInit.STD, within(0.0005));
        }
    }

    @Test
    void widthsThatDoNotKeepWholeHeadsOrGrowAreRefused(@TempDir Path dir) throws IOException {
        try (ModelFile f = ModelFile.open(write(dir))) {
            LlamaConfig c = LlamaConfig.of(f);
            assertThatThrownBy(() -> LlamaSlice.studentConfig(c, 1, 3, 3)).hasMessageContaining("must be a multiple of 2");
            assertThatThrownBy(() -> LlamaSlice.studentConfig(c, 1, 6, 3)).hasMessageContaining("larger than the teacher: --dim 6");
            assertThatThrownBy(() -> LlamaSlice.studentConfig(c, 1, 4, 4)).hasMessageContaining("larger than the teacher: --ffn 4");
        }
    }

    static Map<String, float[]> values(TorchLlama s) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Param p : s.parameters()) out.put(p.name(), p.value().toFloatArray());
        return out;
    }
}
