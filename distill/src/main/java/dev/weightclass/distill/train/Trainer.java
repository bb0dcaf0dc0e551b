package dev.weightclass.distill.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * The training loop, independent of what is trained:
 * <pre>
 *   for step in [start, steps):
 *     loss = student.loss(batches.batch(step))          autograd records it
 *     g = d loss / d params;  g *= min(1, clip / |g|)     global-norm clipping
 *     AdamW update at lr = schedule(step)
 *     every evalEvery steps: evaluator; every checkpointEvery steps: checkpoint
 * </pre>
 * A stop request (Ctrl-C) ends the loop between steps and writes a checkpoint; {@link #resume}
 * continues from one, giving the same parameters as an uninterrupted run (see
 * {@code TrainerTest}). Each step's temporary arrays live in a sub-manager closed after the step,
 * so memory stays flat over thousands of steps.
 */
public final class Trainer<B> {
    private final TrainConfig config;
    private final Student<B> student;
    private final Batches<B> batches;
    private final NDManager manager;
    private Evaluator evaluator;
    private Path checkpoint;
    private String fingerprint = "";
    private boolean resume;
    private BooleanSupplier stop = () -> false;
    private Progress progress = Progress.silent();
    private String task = "training";

    /** @param manager owns the optimizer's moments; the student's parameters may live anywhere */
    public Trainer(TrainConfig config, Student<B> student, Batches<B> batches, NDManager manager) {
        this.config = Objects.requireNonNull(config);
        this.student = Objects.requireNonNull(student);
        this.batches = Objects.requireNonNull(batches);
        this.manager = Objects.requireNonNull(manager);
    }

    /** Held-out measurements before training, every {@code evalEvery} steps and at the end. */
    public Trainer<B> evaluator(Evaluator e) { this.evaluator = e; return this; }

    /**
     * Where checkpoints go, and what identifies the run (teacher, student, data: a resumed run
     * must match it; the {@link TrainConfig} settings are appended automatically).
     */
    public Trainer<B> checkpoint(Path file, String fingerprint) {
        this.checkpoint = file;
        this.fingerprint = fingerprint;
        return this;
    }

    /** Continue from the checkpoint instead of starting fresh. */
    public Trainer<B> resume(boolean resume) { this.resume = resume; return this; }

    /** Checked between steps; true ends the run early with a checkpoint. */
    public Trainer<B> stopWhen(BooleanSupplier stop) { this.stop = stop; return this; }

    public Trainer<B> progress(Progress p, String task) { this.progress = p; this.task = task; return this; }

    /**
     * @param history     every step and evaluation, including those before a resume
     * @param interrupted true when a stop request ended the run before the last step
     * @param steps       steps done (the checkpoint's step)
     * @param seconds     wall time of the training, across resumes
     */
    public record Result(History history, boolean interrupted, long steps, double seconds) {}

    public Result run() throws IOException {
        if (resume && checkpoint == null) throw new IllegalStateException("resume needs a checkpoint file");
        List<Param> params = student.parameters();
        AdamW opt = AdamW.standard(params, manager, config.weightDecay());
        String fp = fingerprint + "; " + config.fingerprint();
        Schedule schedule = config.schedule();
        History history = new History();
        long start = 0;
        double before = 0;
        if (resume) {
            Checkpoint.State st = Checkpoint.restore(checkpoint, fp, params, opt);
            start = st.step();
            before = st.seconds();
            history = st.history();
            progress.note("resuming " + task + " from " + checkpoint + " at step " + start);
        } else if (evaluator != null) {
            history.add(new History.Eval(0, evaluator.evaluate()));
        }
        long t0 = System.nanoTime();
        long done = start;
        boolean interrupted = false;
        progress.start(task, start, config.steps());
        try {
            for (long step = start; step < config.steps(); step++) {
                if (stop.getAsBoolean()) {
                    interrupted = true;
                    break;
                }
                double lr = schedule.at(step);
                double loss, norm;
                long size;
                Map<String, Double> parts = new LinkedHashMap<>();
                try (NDManager sm = manager.newSubManager()) {
                    for (Param p : params) p.value().tempAttach(sm);
                    for (NDArray a : opt.firstMoments()) a.tempAttach(sm);
                    for (NDArray a : opt.secondMoments()) a.tempAttach(sm);
                    B batch = batches.batch(step, sm);
                    Loss l;
                    try (GradientCollector gc = sm.getEngine().newGradientCollector()) {
                        l = student.loss(batch, sm);
                        gc.backward(l.total());
                    }
                    loss = l.total().getFloat();
                    l.parts().forEach((k, v) -> parts.put(k, (double) v.getFloat()));
                    norm = AdamW.gradientNorm(params);
                    opt.step(lr, AdamW.clipScale(norm, config.clipNorm()));
                    size = student.size(batch);
                }
                done = step + 1;
                double seconds = before + (System.nanoTime() - t0) / 1e9;
                History.Step s = new History.Step(done, lr, loss, parts, norm, size, seconds);
                history.add(s);
                progress.step(s);
                if (!Double.isFinite(loss)) {
                    throw new dev.weightclass.WeightclassException("training diverged at step " + done
                            + " (loss " + loss + "): lower --lr or raise --warmup");
                }
                if (evaluator != null && (done == config.steps() || config.evalEvery() > 0 && done % config.evalEvery() == 0)) {
                    History.Eval e = new History.Eval(done, evaluator.evaluate());
                    history.add(e);
                    progress.note(String.format(java.util.Locale.ROOT, "step %d: %s", done, e.metrics()));
                }
                if (checkpoint != null && config.checkpointEvery() > 0 && done % config.checkpointEvery() == 0
                        && done < config.steps()) {
                    Checkpoint.save(checkpoint, fp, done, seconds, params, opt, history);
                }
            }
        } finally {
            progress.close();
        }
        double seconds = before + (System.nanoTime() - t0) / 1e9;
        if (checkpoint != null) Checkpoint.save(checkpoint, fp, done, seconds, params, opt, history);
        return new Result(history, interrupted, done, seconds);
    }
}
