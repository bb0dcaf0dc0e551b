package dev.weightclass.distill.encoder;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The embedding loss against values worked out by hand. */
class EmbeddingMseTest {

    static { EncoderTestData.init(); }

    @Test
    void sameWidthComparesNormalisedMeans() {
        try (NDManager m = NDManager.newBaseManager()) {
            // pooled (3, 4) normalises to (0.6, 0.8); teacher (1, 0): squares 0.16 and 0.64, mean 0.4.
            // pooled (0, -2) -> (0, -1); teacher (0, -1): 0. Mean over both rows: (0.16 + 0.64 + 0 + 0) / 4 = 0.2
            NDArray pooled = m.create(new float[] {3, 4, 0, -2}, new Shape(2, 2));
            NDArray teacher = m.create(new float[] {1, 0, 0, -1}, new Shape(2, 2));
            assertThat(EmbeddingMse.direct().loss(pooled, teacher).getFloat()).isCloseTo(0.2f, within(1e-6f));
        }
    }

    @Test
    void projectionMapsToTheTeacherWidthBeforeNormalising() {
        try (NDManager m = NDManager.newBaseManager()) {
            // W swaps the two student features into a 3-wide space, b = (0, 0, 5):
            // (3, 4) -> (4, 3, 5), norm sqrt(50) -> (0.5657, 0.4243, 0.7071); teacher (0, 0, 1):
            // squares 0.32, 0.18, (1 - 0.7071)^2 = 0.08579; mean (0.32 + 0.18 + 0.08579) / 3 = 0.19526
            EmbeddingMse loss = EmbeddingMse.of(m.create(new float[] {0, 1, 1, 0, 0, 0}, new Shape(3, 2)),
                    m.create(new float[] {0, 0, 5}));
            NDArray pooled = m.create(new float[] {3, 4}, new Shape(1, 2));
            NDArray teacher = m.create(new float[] {0, 0, 1}, new Shape(1, 3));
            float expected = (float) ((0.32 + 0.18 + Math.pow(1 - 5 / Math.sqrt(50), 2)) / 3);
            try (GradientCollector g = Engine.getInstance().newGradientCollector()) {
                NDArray l = loss.loss(pooled, teacher);
                assertThat(l.getFloat()).isCloseTo(expected, within(1e-6f));
                g.backward(l);
            }
            // the bias of the teacher's own direction pulls the loss down: its gradient is negative
            assertThat(loss.bias().getGradient().toFloatArray()[2]).isNegative();
            assertThat(loss.weight().getGradient().abs().sum().getFloat()).isPositive();
        }
    }

    @Test
    void projectionOnlyWhenWidthsDiffer() {
        try (NDManager m = NDManager.newBaseManager()) {
            assertThat(EmbeddingMse.forWidths(384, 384, 1, m).weight()).isNull();
            EmbeddingMse p = EmbeddingMse.forWidths(256, 384, 1, m);
            assertThat(p.weight().getShape()).isEqualTo(new Shape(384, 256));
            assertThat(p.studentEmbedding(m.ones(new Shape(2, 256))).getShape()).isEqualTo(new Shape(2, 384));
        }
    }

    @Test
    void selectionPutsEachStudentChannelBackOnItsTeacherChannel() {
        try (NDManager m = NDManager.newBaseManager()) {
            // student channels are teacher channels 1 and 3 of 4: (3, 4) -> (0, 3, 0, 4) -> (0, 0.6, 0, 0.8)
            EmbeddingMse p = EmbeddingMse.selection(new int[] {1, 3}, 4, m);
            assertThat(p.studentEmbedding(m.create(new float[] {3, 4}, new Shape(1, 2))).toFloatArray())
                    .containsExactly(0f, 0.6f, 0f, 0.8f);
            assertThat(p.weight().hasGradient()).as("trained").isTrue();
        }
    }
}
