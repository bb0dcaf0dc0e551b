package dev.weightclass.distill.encoder;

import dev.weightclass.distill.ScratchInit;
import dev.weightclass.runtime.bert.BertConfig;
import dev.weightclass.runtime.bert.BertTensors.Tensor;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static dev.weightclass.distill.decoder.LlamaSliceTest.outer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Which channels, heads and FFN units a narrower BERT student keeps, on a hand-made one-block
 * encoder (width 4 = 2 heads of 2, FFN 3) whose weights are row scale * column scale.
 */
class BertSliceTest {

    /** Channels 1 and 3 are strong everywhere but in the word table, which puts most of its energy on channel 0. */
    static final float[] CHANNELS = {0.1f, 1f, 0.2f, 0.9f};
    static final float[] WORD_CHANNELS = {3f, 1f, 0.2f, 0.9f};
    static final float[] HEAD_ROWS = {1f, 1f, 0.3f, 0.3f};     // head 0 (rows 0, 1) is the stronger
    static final float[] UNITS = {0.2f, 1f, 2f};               // units 1 and 2

    static final BertConfig TEACHER = new BertConfig(5, 4, 1, 2, 3, 3, 2, 1e-12f);

    static Map<String, Tensor> tensors() {
        Map<String, Tensor> t = new LinkedHashMap<>();
        put(t, "embeddings.word_embeddings.weight", outer(new float[] {1, 1, 1, 1, 1}, WORD_CHANNELS), 5, 4);
        put(t, "embeddings.position_embeddings.weight", outer(new float[] {1, 1, 1}, CHANNELS), 3, 4);
        put(t, "embeddings.token_type_embeddings.weight", outer(new float[] {1, 1}, CHANNELS), 2, 4);
        put(t, "embeddings.LayerNorm.weight", CHANNELS.clone(), 4);
        put(t, "embeddings.LayerNorm.bias", CHANNELS.clone(), 4);
        String p = "encoder.layer.0.";
        for (String n : new String[] {"query", "key", "value"}) {
            put(t, p + "attention.self." + n + ".weight", outer(HEAD_ROWS, CHANNELS), 4, 4);
            put(t, p + "attention.self." + n + ".bias", HEAD_ROWS.clone(), 4);
        }
        put(t, p + "attention.output.dense.weight", outer(CHANNELS, HEAD_ROWS), 4, 4);
        put(t, p + "attention.output.dense.bias", CHANNELS.clone(), 4);
        put(t, p + "attention.output.LayerNorm.weight", CHANNELS.clone(), 4);
        put(t, p + "attention.output.LayerNorm.bias", CHANNELS.clone(), 4);
        put(t, p + "intermediate.dense.weight", outer(UNITS, CHANNELS), 3, 4);
        put(t, p + "intermediate.dense.bias", UNITS.clone(), 3);
        put(t, p + "output.dense.weight", outer(CHANNELS, UNITS), 4, 3);
        put(t, p + "output.dense.bias", CHANNELS.clone(), 4);
        put(t, p + "output.LayerNorm.weight", CHANNELS.clone(), 4);
        put(t, p + "output.LayerNorm.bias", CHANNELS.clone(), 4);
        return t;
    }

    private static void put(Map<String, Tensor> t, String name, float[] v, long... shape) {
        t.put(name, new Tensor(name, shape, v));
    }

    @Test
    void keepsTheStrongestChannelsHeadsAndUnits() {
        BertConfig student = BertSlice.studentConfig(TEACHER, 1, 2, 2);
        assertThat(student.heads()).isEqualTo(1);
        assertThat(student.headDim()).isEqualTo(2);
        Map<String, Tensor> t = tensors();
        BertSlice s = BertSlice.strongest(t, TEACHER, student, null);
        assertThat(s.channels()).containsExactly(1, 3);
        assertThat(s.heads()).isDeepEqualTo(new int[][] {{0}});
        assertThat(s.ffnUnits()).isDeepEqualTo(new int[][] {{1, 2}});
        Map<String, Tensor> out = s.apply(t, TEACHER);
        String p = "encoder.layer.0.";
        // query keeps rows 0, 1 (head 0) and columns 1, 3: values HEAD_ROWS[r] * CHANNELS[c] * (-1)^(r+c)
        assertThat(out.get(p + "attention.self.query.weight").values()).containsExactly(-1f, -0.9f, 1f, 0.9f);
        assertThat(out.get(p + "attention.self.query.bias").values()).containsExactly(1f, 1f);
        assertThat(out.get(p + "attention.output.dense.weight").shape()).containsExactly(2, 2);
        assertThat(out.get(p + "intermediate.dense.bias").values()).containsExactly(1f, 2f);
        assertThat(out.get(p + "output.dense.weight").values()).containsExactly(1f, -2f, 0.9f, -1.8f);
        assertThat(out.get("embeddings.LayerNorm.weight").values()).containsExactly(1f, 0.9f);
        assertThat(out.get("embeddings.word_embeddings.weight").shape()).containsExactly(5, 2);
        assertThat(out.keySet()).containsExactlyElementsOf(t.keySet());
    }

    @Test
    void scratchRandomisesNarrowedTensorsButKeepsTheFrozenTokenTableSliced() {
        BertConfig student = BertSlice.studentConfig(TEACHER, 1, 2, 3);
        Map<String, Tensor> t = tensors();
        Map<String, Tensor> out = BertSlice.strongest(t, TEACHER, student, new ScratchInit(3)).apply(t, TEACHER);
        assertThat(out.get(EncoderStudent.FROZEN).values()).startsWith(-1f, -0.9f);
        assertThat(out.get("embeddings.LayerNorm.weight").values()).containsExactly(1f, 1f);
        assertThat(out.get("embeddings.LayerNorm.bias").values()).containsExactly(0f, 0f);
        float[] q = out.get("encoder.layer.0.attention.self.query.weight").values();
        assertThat(q).hasSize(4).doesNotContain(-1f, 1f, 0.9f, -0.9f);
        for (float v : q) assertThat(Math.abs(v)).isLessThan(0.1f); // N(0, 0.02^2)
    }

    @Test
    void widthsThatSplitHeadsOrGrowAreRefused() {
        assertThatThrownBy(() -> BertSlice.studentConfig(TEACHER, 1, 3, 3)).hasMessageContaining("must be a multiple of 2");
        assertThatThrownBy(() -> BertSlice.studentConfig(TEACHER, 1, 8, 3)).hasMessageContaining("larger than the teacher: --dim 8");
        assertThatThrownBy(() -> BertSlice.studentConfig(TEACHER, 1, 4, 6)).hasMessageContaining("larger than the teacher: --ffn 6");
    }
}
