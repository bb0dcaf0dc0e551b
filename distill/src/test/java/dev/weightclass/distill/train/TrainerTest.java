package dev.weightclass.distill.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class TrainerTest {
    static NDManager manager;

    @BeforeAll
    static void engine() {
        manager = Torch.manager(2);
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    /** y = x w + b fitted by mean squared error on 64 fixed examples, 8 per batch. */
    static final class LinearStudent implements Student<NDArray[]> {
        final NDArray w, b;
        final float[][] x = new float[64][4];
        final float[] y = new float[64];

        LinearStudent(NDManager m) {
            w = m.create(new float[] {0.1f, -0.2f, 0.3f, 0f}, new Shape(4, 1));
            b = m.zeros(new Shape(1));
            w.setRequiresGradient(true);
            b.setRequiresGradient(true);
            SplittableRandom r = new SplittableRandom(7);
            for (int i = 0; i < 64; i++) {
                for (int j = 0; j < 4; j++) x[i][j] = (float) r.nextGaussian();
                y[i] = 2 * x[i][0] - x[i][1] + 0.5f * x[i][3] + 1 + 0.1f * (float) r.nextGaussian();
            }
        }

        Batches<NDArray[]> batches(long seed) {
            return (step, m) -> {
                int[] idx = Batches.shuffled(seed, step, 64, 8);
                float[] xs = new float[8 * 4], ys = new float[8];
                for (int i = 0; i < 8; i++) {
                    System.arraycopy(x[idx[i]], 0, xs, i * 4, 4);
                    ys[i] = y[idx[i]];
                }
                return new NDArray[] {m.create(xs, new Shape(8, 4)), m.create(ys, new Shape(8, 1))};
            };
        }

        @Override
        public List<Param> parameters() {
            return List.of(new Param("w", w, true), new Param("b", b, false));
        }

        @Override
        public Loss loss(NDArray[] batch, NDManager m) {
            NDArray err = batch[0].matMul(w).add(b).sub(batch[1]);
            NDArray mse = err.square().mean();
            return new Loss(mse, Map.of("abs", err.abs().mean()));
        }

        @Override
        public long size(NDArray[] batch) { return 8; }

        @Override
        public void export(Path out) throws IOException {
            Files.writeString(out, java.util.Arrays.toString(w.toFloatArray()));
        }
    }

    static TrainConfig config(int steps, int checkpointEvery) {
        return new TrainConfig(steps, 0.05, 3, 0.1, 0.01, 1.0, checkpointEvery, 5, 42);
    }

    @Test
    void adamWMatchesHandComputedSteps() {
        try (NDManager m = manager.newSubManager()) {
            NDArray p = m.create(new float[] {1f});
            p.setRequiresGradient(true);
            AdamW opt = AdamW.standard(List.of(new Param("p", p, true)), m, 0.1);
            for (int i = 0; i < 2; i++) {
                try (var gc = m.getEngine().newGradientCollector()) {
                    gc.backward(p.mul(2).sum()); // d/dp = 2 every step
                }
                opt.step(0.1, 1.0);
            }
            // step 1: p = 1 * (1 - 0.1*0.1) - 0.1 * (0.2/0.1) / (sqrt(0.004/0.001) + 1e-8) = 0.89
            // step 2: m = 0.38, v = 0.007996: m-hat = 2, v-hat = 4 again, p = 0.89 * 0.99 - 0.1 = 0.7811
            assertThat(p.toFloatArray()[0]).isCloseTo(0.7811f, within(1e-6f));
            assertThat(opt.firstMoments().get(0).toFloatArray()[0]).isCloseTo(0.38f, within(1e-6f));
            assertThat(opt.secondMoments().get(0).toFloatArray()[0]).isCloseTo(0.007996f, within(1e-8f));
            assertThat(p.getGradient().toFloatArray()[0]).isZero();
        }
    }

    @Test
    void noDecayOnParametersMarkedSo() {
        try (NDManager m = manager.newSubManager()) {
            NDArray p = m.create(new float[] {1f});
            p.setRequiresGradient(true);
            AdamW opt = AdamW.standard(List.of(new Param("norm", p, false)), m, 0.5);
            try (var gc = m.getEngine().newGradientCollector()) {
                gc.backward(p.mul(2).sum());
            }
            opt.step(0.1, 1.0);
            assertThat(p.toFloatArray()[0]).isCloseTo(0.9f, within(1e-6f));
        }
    }

    @Test
    void clippingScalesToTheLimit() {
        try (NDManager m = manager.newSubManager()) {
            NDArray a = m.create(new float[] {3f}), b = m.create(new float[] {0f, 0f});
            a.setRequiresGradient(true);
            b.setRequiresGradient(true);
            List<Param> ps = List.of(new Param("a", a, true), new Param("b", b, true));
            try (var gc = m.getEngine().newGradientCollector()) {
                gc.backward(a.mul(3).sum().add(b.mul(m.create(new float[] {4f, 0f})).sum())); // grads 3 and (4, 0)
            }
            double norm = AdamW.gradientNorm(ps);
            assertThat(norm).isCloseTo(5.0, within(1e-6));
            assertThat(AdamW.clipScale(norm, 1.0)).isCloseTo(1 / (5 + 1e-6), within(1e-12));
            assertThat(AdamW.clipScale(norm, 10.0)).isEqualTo(1.0);
            assertThat(AdamW.clipScale(norm, 0)).isEqualTo(1.0);
        }
    }

    @Test
    void scheduleWarmsUpThenDecaysToTheFloor() {
        Schedule s = new Schedule(1.0, 4, 14, 0.1);
        assertThat(s.at(0)).isCloseTo(0.25, within(1e-12));
        assertThat(s.at(3)).isCloseTo(1.0, within(1e-12));
        assertThat(s.at(4)).isCloseTo(1.0, within(1e-12));        // cosine starts at the peak
        assertThat(s.at(13)).isCloseTo(0.1, within(1e-12));       // and ends at peak * minRatio
        assertThat(s.at(8) + s.at(9)).isCloseTo(1.1, within(1e-12)); // symmetric about the middle of the decay
    }

    @Test
    void batchesVisitEveryExampleOncePerEpoch() {
        int[] seen = new int[64];
        for (int step = 0; step < 8; step++) for (int i : Batches.shuffled(3, step, 64, 8)) seen[i]++;
        assertThat(seen).containsOnly(1);
        assertThat(Batches.shuffled(3, 5, 64, 8)).isEqualTo(Batches.shuffled(3, 5, 64, 8));
        assertThat(Batches.shuffled(3, 0, 64, 8)).isNotEqualTo(Batches.shuffled(4, 0, 64, 8));
    }

    @Test
    void trainingReducesTheLoss() throws IOException {
        try (NDManager m = manager.newSubManager()) {
            LinearStudent s = new LinearStudent(m);
            Trainer.Result r = new Trainer<>(config(60, 0), s, s.batches(42), m).evaluator(() -> Map.of("const", 1.0)).run();
            List<History.Step> steps = r.history().steps();
            assertThat(steps).hasSize(60);
            assertThat(steps.get(59).loss()).isLessThan(steps.get(0).loss() / 4);
            assertThat(r.history().evals()).extracting(History.Eval::step).containsExactly(0L, 5L, 10L, 15L, 20L, 25L,
                    30L, 35L, 40L, 45L, 50L, 55L, 60L);
            assertThat(r.history().csv()).startsWith("step,lr,loss,abs,grad_norm,tokens,seconds,const\n0,,,,,,,1.00000\n1,");
        }
    }

    /**
     * Resume gives bitwise the same parameters and losses as an uninterrupted run: the checkpoint
     * stores parameters and AdamW moments as exact float32, the data order is a function of (seed,
     * step), and PyTorch's CPU kernels are deterministic for a fixed thread count, so nothing
     * differs between the two runs (a tolerance would hide a lost moment or a skipped batch).
     */
    @Test
    void resumeEqualsUninterruptedRun(@TempDir Path dir) throws IOException {
        float[] straightW, resumedW;
        List<History.Step> straight, resumed;
        try (NDManager m = manager.newSubManager()) {
            LinearStudent s = new LinearStudent(m);
            Trainer.Result r = new Trainer<>(config(20, 0), s, s.batches(42), m).run();
            straightW = s.w.toFloatArray();
            straight = r.history().steps();
        }
        Path ckpt = dir.resolve("run.ckpt");
        try (NDManager m = manager.newSubManager()) {
            LinearStudent s = new LinearStudent(m);
            AtomicInteger checks = new AtomicInteger();
            Trainer.Result r = new Trainer<>(config(20, 4), s, s.batches(42), m).checkpoint(ckpt, "toy")
                    .stopWhen(() -> checks.incrementAndGet() > 7).run(); // "Ctrl-C" before step 8
            assertThat(r.interrupted()).isTrue();
            assertThat(r.steps()).isEqualTo(7);
        }
        try (NDManager m = manager.newSubManager()) {
            LinearStudent s = new LinearStudent(m); // fresh init: everything must come from the checkpoint
            Trainer.Result r = new Trainer<>(config(20, 4), s, s.batches(42), m).checkpoint(ckpt, "toy").resume(true).run();
            assertThat(r.interrupted()).isFalse();
            resumedW = s.w.toFloatArray();
            resumed = r.history().steps();
        }
        assertThat(resumedW).isEqualTo(straightW);
        assertThat(resumed).extracting(History.Step::loss).isEqualTo(straight.stream().map(History.Step::loss).toList());
    }

    @Test
    void resumeRefusesAnotherRunsCheckpoint(@TempDir Path dir) throws IOException {
        Path ckpt = dir.resolve("run.ckpt");
        try (NDManager m = manager.newSubManager()) {
            LinearStudent s = new LinearStudent(m);
            new Trainer<>(config(3, 0), s, s.batches(42), m).checkpoint(ckpt, "toy").run();
        }
        try (NDManager m = manager.newSubManager()) {
            LinearStudent s = new LinearStudent(m);
            assertThatThrownBy(() -> new Trainer<>(config(3, 0), s, s.batches(42), m).checkpoint(ckpt, "other data")
                    .resume(true).run()).hasMessageContaining("different run");
            Files.write(ckpt, java.util.Arrays.copyOf(Files.readAllBytes(ckpt), 60));
            assertThatThrownBy(() -> new Trainer<>(config(3, 0), s, s.batches(42), m).checkpoint(ckpt, "toy")
                    .resume(true).run()).hasMessageContaining(ckpt.toString()).hasMessageContaining("checkpoint");
        }
    }
}
