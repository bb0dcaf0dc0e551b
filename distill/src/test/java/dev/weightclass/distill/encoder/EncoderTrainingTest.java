package dev.weightclass.distill.encoder;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.weightclass.distill.train.History;
import dev.weightclass.distill.train.Torch;
import dev.weightclass.distill.train.TrainConfig;
import dev.weightclass.distill.train.Trainer;
import dev.weightclass.format.BundledModels;
import dev.weightclass.runtime.bert.SentenceEncoder;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A few trainer steps move a one-block student towards the teacher's embeddings; the token table stays the teacher's. */
class EncoderTrainingTest {

    static { EncoderTestData.init(); }

    @Test
    void stepsLowerTheEmbeddingLossAndLeaveTheTokenTable() throws Exception {
        Path onnx = BundledModels.extract(BundledModels.MINILM_L6_V2);
        List<String> sentences = EncoderTestData.stsDevSentences().subList(0, 8);
        try (SentenceEncoder teacher = SentenceEncoder.open(onnx, 2); NDManager m = Torch.manager(2)) {
            List<int[]> ids = new ArrayList<>();
            for (String s : sentences) ids.add(teacher.tokens(s));
            float[][] target = teacher.embed(sentences);
            float[] flat = new float[8 * 384];
            for (int i = 0; i < 8; i++) System.arraycopy(target[i], 0, flat, i * 384, 384);
            DjlBert model = DjlBert.load(teacher.file(), new int[] {5}, m);
            float[] table = model.parameters().get(EncoderStudent.FROZEN).get(100).toFloatArray();
            EncoderStudent student = new EncoderStudent(model, EmbeddingMse.direct(), onnx);
            assertThat(student.parameters()).hasSize(model.parameters().size() - 1);
            TrainConfig config = new TrainConfig(6, 1e-3, 1, 1.0, 0.0, 0.0, 0, 0, 0);
            Trainer.Result r = new Trainer<>(config, student,
                    (step, sm) -> new EncoderStudent.Batch(TokenBatch.of(ids, sm), sm.create(flat, new Shape(8, 384))), m).run();
            List<History.Step> steps = r.history().steps();
            assertThat(steps).hasSize(6);
            assertThat(steps.getLast().loss()).isLessThan(0.5 * steps.getFirst().loss());
            assertThat(model.parameters().get(EncoderStudent.FROZEN).get(100).toFloatArray()).containsExactly(table);
        }
    }
}
