package dev.weightclass.distill.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.weightclass.distill.train.Torch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static java.lang.Math.exp;
import static java.lang.Math.log;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The losses against values worked out by hand on 3-token vocabularies. */
class LossesTest {
    static NDManager m;

    @BeforeAll
    static void engine() { m = Torch.manager(1); }

    @AfterAll
    static void close() { m.close(); }

    static NDArray f(float[] v, long... shape) { return m.create(v, new Shape(shape)); }

    static double value(NDArray a) { return a.getFloat(); }

    @Test
    void crossEntropyIsTheMaskedMeanNll() {
        NDArray logits = f(new float[] {1, 2, 0, 0, 0, 0}, 2, 3);
        NDArray targets = m.create(new long[] {1, 2});
        // position 0: -log(e^2 / (e + e^2 + 1)); position 1: uniform, -log(1/3)
        double ce0 = log(exp(1) + exp(2) + 1) - 2, ce1 = log(3);
        assertThat(value(Losses.crossEntropy(logits, targets, f(new float[] {1, 1}, 2)))).isCloseTo((ce0 + ce1) / 2, within(1e-6));
        assertThat(value(Losses.crossEntropy(logits, targets, f(new float[] {1, 0}, 2)))).isCloseTo(ce0, within(1e-6));
    }

    @Test
    void klOfFullDistributions() {
        NDArray teacher = f(new float[] {0, (float) log(2), 0}, 1, 3); // p = 1/4, 1/2, 1/4
        NDArray student = f(new float[] {0, 0, (float) log(2)}, 1, 3); // q = 1/4, 1/4, 1/2
        NDArray mask = f(new float[] {1}, 1);
        // sum p log(p/q) = 1/4 log 1 + 1/2 log 2 + 1/4 log(1/2) = log(2) / 4
        assertThat(value(Losses.klFull(teacher, student, mask, 1))).isCloseTo(log(2) / 4, within(1e-6));
        // T = 2: p ~ (1, sqrt 2, 1), q ~ (1, 1, sqrt 2)
        double z = 2 + Math.sqrt(2);
        double[] p = {1 / z, Math.sqrt(2) / z, 1 / z}, q = {1 / z, 1 / z, Math.sqrt(2) / z};
        double kl = 0;
        for (int i = 0; i < 3; i++) kl += p[i] * log(p[i] / q[i]);
        assertThat(value(Losses.klFull(teacher, student, mask, 2))).isCloseTo(kl, within(1e-6));
    }

    @Test
    void klOverTheTopKPlusTheTail() {
        NDArray student = f(new float[] {0, 0, (float) log(2)}, 1, 3); // q = 1/4, 1/4, 1/2
        NDArray mask = f(new float[] {1}, 1);
        // teacher p = 1/4, 1/2, 1/4; top 1 = token 1 (p 1/2), tail p 1/2 against q 1/4, tail q 3/4:
        // 1/2 log(2) + 1/2 log(2/3) = log(4/3) / 2, below the full KL log(2)/4
        NDArray top1 = f(new float[] {(float) log(0.5)}, 1, 1);
        NDArray ids1 = m.create(new long[] {1}, new Shape(1, 1));
        assertThat(value(Losses.klTopK(top1, ids1, student, mask, 1))).isCloseTo(log(4.0 / 3) / 2, within(1e-6));
        // k = V: no tail, the full KL
        NDArray top3 = f(new float[] {(float) log(0.5), (float) log(0.25), (float) log(0.25)}, 1, 3);
        NDArray ids3 = m.create(new long[] {1, 0, 2}, new Shape(1, 3));
        assertThat(value(Losses.klTopK(top3, ids3, student, mask, 1))).isCloseTo(log(2) / 4, within(1e-6));
    }

    @Test
    void combineWeighsKlByAlphaTSquared() {
        NDArray kl = f(new float[] {0.25f}), ce = f(new float[] {2f});
        // 0.3 * 2^2 * 0.25 + 0.7 * 2
        assertThat(value(Losses.combine(kl.sum(), ce.sum(), 0.3, 2))).isCloseTo(0.3 + 1.4, within(1e-6));
        assertThat(value(Losses.combine(null, ce.sum(), 0, 2))).isCloseTo(2, within(1e-6));
    }
}
