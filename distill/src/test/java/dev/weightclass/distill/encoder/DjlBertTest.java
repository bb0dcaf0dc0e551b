package dev.weightclass.distill.encoder;

import dev.weightclass.eval.StsEvaluation;
import ai.djl.ndarray.NDManager;
import dev.weightclass.format.BundledModels;
import dev.weightclass.format.ModelFile;
import dev.weightclass.runtime.bert.SentenceEncoder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The DJL forward of MiniLM gives the embeddings core's Java encoder gives (padding and all). */
class DjlBertTest {

    static { EncoderTestData.init(); }

    private static Path onnx;
    private static NDManager manager;
    private static ModelFile file;
    private static DjlBert full;

    @BeforeAll
    static void load() throws Exception {
        onnx = BundledModels.extract(BundledModels.MINILM_L6_V2);
        manager = NDManager.newBaseManager();
        file = ModelFile.open(onnx);
        full = DjlBert.load(file, manager);
    }

    @AfterAll
    static void close() {
        if (manager != null) manager.close();
        if (file != null) file.close();
    }

    @Test
    void teacherForwardMatchesTheRuntimeEncoder() throws Exception {
        List<String> sentences = EncoderTestData.stsDevSentences().subList(0, 24);
        try (SentenceEncoder core = SentenceEncoder.open(onnx, 2); NDManager m = manager.newSubManager()) {
            float[][] want = core.embed(sentences);
            List<int[]> ids = new ArrayList<>();
            for (String s : sentences) ids.add(core.tokens(s));
            assertThat(full.config()).isEqualTo(core.model().config());
            TokenBatch batch = TokenBatch.of(ids, m);
            assertThat(batch.ids().getShape().get(1)).as("the batch is padded").isGreaterThan(ids.getFirst().length);
            float[][] got = EncoderTestData.rows(full.embed(batch.ids(), batch.mask()));
            for (int i = 0; i < sentences.size(); i++) {
                assertThat(StsEvaluation.cosine(want[i], got[i])).as(sentences.get(i)).isGreaterThanOrEqualTo(0.99999);
            }
        }
    }

    @Test
    void keptLayersAreRenumberedInOrder() throws Exception {
        try (NDManager m = manager.newSubManager()) {
            DjlBert student = DjlBert.load(file, new int[] {5, 1}, m);
            assertThat(student.config().layers()).isEqualTo(2);
            assertThat(student.parameters().keySet()).noneMatch(k -> k.startsWith("encoder.layer.2."));
            String w = "attention.self.query.weight";
            assertThat(student.parameters().get("encoder.layer.0." + w).toFloatArray())
                    .containsExactly(full.parameters().get("encoder.layer.5." + w).toFloatArray());
            assertThat(student.parameters().get("encoder.layer.1." + w).toFloatArray())
                    .containsExactly(full.parameters().get("encoder.layer.1." + w).toFloatArray());
            assertThat(student.parameters().size()).isEqualTo(full.parameters().size() - 4 * 16);
        }
    }
}
