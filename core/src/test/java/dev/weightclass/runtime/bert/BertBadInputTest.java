package dev.weightclass.runtime.bert;

import dev.weightclass.eval.StsEvaluation;
import dev.weightclass.SharedData;
import dev.weightclass.WeightclassException;
import dev.weightclass.format.BundledModels;
import dev.weightclass.format.ModelFile;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BertBadInputTest {

    @Test
    void aDecoderGraphIsRefusedWithTheReason() throws Exception {
        try (ModelFile f = ModelFile.open(SharedData.data("aidreams260K/aidreams260K.onnx"))) {
            assertThat(BertModel.isEncoder(f)).isFalse();
            assertThatThrownBy(() -> BertModel.load(f, 1)).isInstanceOf(WeightclassException.class)
                    .hasMessageContaining("is not a BERT encoder");
        }
    }

    @Test
    void tooManyTokensAndUnknownIdsAreRefused() throws Exception {
        try (ModelFile f = ModelFile.open(BundledModels.extract(BundledModels.MINILM_L6_V2)); BertModel m = BertModel.load(f, 1)) {
            assertThat(BertModel.isEncoder(f)).isTrue();
            assertThatThrownBy(() -> m.embed(List.of(new int[513]))).isInstanceOf(WeightclassException.class)
                    .hasMessageContaining("513 tokens").hasMessageContaining("at most 512");
            assertThatThrownBy(() -> m.embed(List.of(new int[] {101, 40000, 102}))).isInstanceOf(WeightclassException.class)
                    .hasMessageContaining("40000");
        }
    }

    @Test
    void maskedTokensAreLeftOutAsIfAbsent() throws Exception {
        try (ModelFile f = ModelFile.open(BundledModels.extract(BundledModels.MINILM_L6_V2)); BertModel m = BertModel.load(f, 2)) {
            int[] ids = {101, 1037, 4937, 102};
            int[] padded = {101, 1037, 4937, 102, 0, 0};
            float[] a = BertModel.pool(m.forward(List.of(ids), null, null))[0];
            float[] b = BertModel.pool(m.forward(List.of(padded), null, List.of(new int[] {1, 1, 1, 1, 0, 0})))[0];
            assertThat(b).containsExactly(a);
            float[] c = BertModel.pool(m.forward(List.of(padded), null, null))[0];
            assertThat(StsEvaluation.cosine(a, c)).isLessThan(0.9999);
        }
    }
}
