package dev.weightclass.distill;

import ai.djl.ndarray.NDManager;
import dev.weightclass.WeightclassException;
import dev.weightclass.distill.train.History;
import dev.weightclass.distill.train.LossChart;
import dev.weightclass.distill.train.Progress;
import dev.weightclass.distill.train.StopSignal;
import dev.weightclass.distill.train.Torch;
import dev.weightclass.distill.train.TrainConfig;
import dev.weightclass.distill.train.Trainer;
import dev.weightclass.format.ModelFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code weightclass distill}: trains a smaller student to imitate a teacher.
 *
 * <h2>Library API (package {@code dev.weightclass.distill.train}, no knowledge of any model)</h2>
 * <pre>
 *   Student&lt;B&gt;     parameters() -&gt; List&lt;Param(name, NDArray with gradient, decay?)&gt;
 *                  loss(B batch, NDManager step) -&gt; Loss(total, named terms)   (NDArray ops: autograd records them)
 *                  size(B) (tokens for tokens/s), export(Path) (atomic, via AtomicOutput)
 *   Batches&lt;B&gt;     batch(step, manager): a pure function of the step (resume needs no RNG state);
 *                  Batches.shuffled(seed, step, count, size) gives seeded epochs
 *   Evaluator      evaluate() -&gt; Map&lt;String, Double&gt; of held-out metrics (no gradients)
 *   TrainConfig    steps, lr, warmup, minLrRatio, weightDecay, clipNorm, checkpointEvery, evalEvery, seed
 *   Trainer&lt;B&gt;     new Trainer&lt;&gt;(config, student, batches, manager).evaluator(e).checkpoint(file, fingerprint)
 *                    .resume(bool).stopWhen(StopSignal.onCtrlC(..)).progress(progress, task).run() -&gt; Result
 *                  (AdamW with decoupled decay, warm-up + cosine Schedule, global-norm clipping,
 *                  Checkpoint of parameters + moments + step + History, all written atomically)
 *   History        per-step loss/terms/lr/grad norm/tokens/seconds, evaluations; csv(); LossChart.write(...)
 *   Torch          engine(threads) / manager(threads): PyTorch via DJL, thread pool sized, logging quiet
 * </pre>
 * <h2>CLI</h2>
 * A {@link Recipe} per kind of teacher ({@link Recipes#ALL}) checks the options against the
 * teacher, builds a {@link Job} (student, batches, evaluator, fingerprint, chart references,
 * optional baseline) and prints the student's size ({@link StudentSize}); this command runs the
 * trainer, handles Ctrl-C (final checkpoint, exit 130, no output written), then writes the
 * student, the CSV log and the chart.
 */
@Command(name = "distill",
        description = {"Train a smaller student model to imitate a teacher (knowledge distillation).",
                "",
                "The student keeps fewer blocks (--layers 2 takes every k-th teacher block, --init-layers 0,3 "
                        + "names them) and optionally a narrower feed-forward width (--ffn) and hidden width (--dim), "
                        + "starting from the teacher's own weights. Its size is printed before training starts, and "
                        + "a student that is not smaller than the teacher is refused.",
                "",
                "Narrowing keeps the teacher's strongest parts: --ffn the FFN units with the largest weight norms "
                        + "of each block; --dim the residual channels whose weights carry the largest share of every "
                        + "tensor's norm (the same channels in all tensors and norms) and whole attention heads at the "
                        + "teacher's head width, so --dim must be a multiple of it (aidreams260K: 16; MiniLM: 32). "
                        + "--init scratch starts the narrowed tensors random instead (N(0, 0.02^2), norms 1, "
                        + "biases 0, seeded by --seed). An encoder of another width learns the teacher's embeddings "
                        + "through a projection used in training only.",
                "",
                "Decoder teachers: GGUF (student written as GGUF), a Hugging Face safetensors folder with "
                        + "config.json (student written as a folder: model.safetensors, config.json, tokenizer.json; "
                        + "--tokenizer FILE when the folder has no tokenizer) or a llama2.c checkpoint with its "
                        + "tokenizer.bin (student written as GGUF: llama2.c files hold no tokenizer). --vocab N|auto "
                        + "gives the student a smaller vocabulary: the tokens the data uses plus every token the "
                        + "tokenizer needs to reach them (merge steps, byte and special tokens); the student's "
                        + "tokenizer must split every training and held-out text exactly as the teacher's, or the "
                        + "command stops (exit 2). The KL then uses the teacher's distribution renormalised over "
                        + "the kept tokens.",
                "",
                "Decoders: loss = A * T^2 * KL(teacher_T || student_T) + (1 - A) * cross-entropy on the next "
                        + "token, on --data plus --generate N texts the teacher writes itself. Teacher logits are "
                        + "cached once as their top K (--top-k) per position. The held-out NLL of the student "
                        + "(and the teacher's, as a line) is measured every --eval-every steps.",
                "",
                "Encoders (BERT, MiniLM; float32 ONNX or safetensors): loss = MSE between the student's and "
                        + "the teacher's normalised mean-pooled sentence embeddings, on the sentences of every "
                        + "--data (STS .tsv files, prose split into sentences). Teacher embeddings are computed "
                        + "once by the Java encoder and cached; the token table stays the teacher's. --sts FILE "
                        + "measures the student's Spearman as it trains. Output: a folder with model.safetensors, "
                        + "config.json and the teacher's tokenizer. Encoders train at --lr 1e-4 unless told.",
                "",
                "AdamW with warm-up and cosine decay, gradient clipping, a checkpoint every --checkpoint-every "
                        + "steps. Ctrl-C stops after the current step, writes a checkpoint and no output; the "
                        + "same command with --resume continues. The output is a normal model file for inspect, "
                        + "quantize, eval and run.",
                "",
                "Example: weightclass distill aidreams260K-f32.gguf --layers 2 --data teacher_samples.txt "
                        + "--generate 400 --steps 600 -o student.gguf --baseline",
                "         weightclass distill aidreams260K-f32.gguf --layers 2 --dim 48 --data teacher_samples.txt "
                        + "--generate 400 -o narrow.gguf",
                "         weightclass distill aidreams260K/hf --tokenizer tok512.bin --layers 2 --vocab auto "
                        + "--data teacher_samples.txt --steps 300 -o student-hf",
                "         weightclass distill all-minilm-l6-v2.onnx --init-layers 0,3,5 --data sts-train.tsv "
                        + "--data alice.txt --sts sts-dev.tsv --lr 1e-4 --steps 300 -o minilm-l3",
                "         weightclass distill all-minilm-l6-v2.onnx --init-layers 0,3,5 --dim 256 --ffn 1024 "
                        + "--data sts-train.tsv --sts sts-dev.tsv -o minilm-w256",
                ""},
        sortOptions = false)
public final class DistillCommand implements Callable<Integer> {

    /** Exit code after Ctrl-C: the shell's convention for SIGINT. */
    public static final int EXIT_INTERRUPTED = 130;

    @Mixin
    DistillOptions o = new DistillOptions();

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        check(o);
        int threads = o.threads != null ? o.threads : Torch.defaultThreads();
        try (NDManager manager = Torch.manager(threads); ModelFile teacher = ModelFile.open(o.teacher)) {
            Recipe recipe = Recipes.forTeacher(teacher);
            if (!recipe.kind().equals("decoder") && (o.vocab != null || o.tokenizer != null)) {
                throw new WeightclassException("--vocab and --tokenizer apply to decoders; " + o.teacher + " is an "
                        + recipe.kind() + " (its token table stays the teacher's)");
            }
            if (o.lr == null) o.lr = recipe.defaultLearningRate();
            Job<?> job = recipe.prepare(teacher, o, manager, out, err);
            out.flush();
            Progress progress = new Progress(err, o.logEvery, o.quiet);
            Trainer.Result main;
            try (StopSignal stop = StopSignal.onCtrlC(() -> {
                err.println();
                err.println("distill: stopping after this step to write a checkpoint (Ctrl-C again to quit at once)");
                err.flush();
            })) {
                main = train(job, o.checkpointFile(), o.resume, stop, progress, "distill", manager);
                if (main.interrupted()) {
                    err.printf(Locale.ROOT, "distill: interrupted at step %d of %d; checkpoint %s; run the same command "
                            + "with --resume to continue (no output written)%n", main.steps(), o.steps, o.checkpointFile());
                    return EXIT_INTERRUPTED;
                }
                job.student().export(o.output);
                List<LossChart.Run> runs = new ArrayList<>();
                runs.add(new LossChart.Run(o.baseline ? "distilled" : "", main.history(), job.trainSeries()));
                History.Eval last = lastEval(main.history());
                out.printf(Locale.ROOT, "trained %d steps in %s (%,.0f tokens/s): %s%n", main.steps(),
                        seconds(main.seconds()), tokensPerSecond(main), last == null ? "" : format(last.metrics()));
                if (o.baseline) {
                    if (job.baseline() == null) throw new WeightclassException("--baseline: " + recipe.kind() + " distillation has no baseline run");
                    Job<?> base = job.baseline().get();
                    Path ckpt = DistillOptions.sibling(o.checkpointFile(), "-baseline.ckpt");
                    Trainer.Result b = train(base, ckpt, o.resume && Files.exists(ckpt), stop, progress, "baseline", manager);
                    if (b.interrupted()) {
                        err.printf(Locale.ROOT, "distill: baseline interrupted at step %d; the student %s is written; "
                                + "--resume continues the baseline%n", b.steps(), o.output);
                        return EXIT_INTERRUPTED;
                    }
                    runs.add(new LossChart.Run("baseline", b.history(), base.trainSeries()));
                    History.Eval bl = lastEval(b.history());
                    out.printf(Locale.ROOT, "baseline (same init, no teacher) %d steps in %s: %s%n", b.steps(),
                            seconds(b.seconds()), bl == null ? "" : format(bl.metrics()));
                    b.history().writeCsv(DistillOptions.sibling(o.logFile(), "-baseline.csv"));
                }
                main.history().writeCsv(o.logFile());
                LossChart.write(o.chartFile(), "distill " + o.teacher.getFileName(), runs, job.references());
            }
            out.println("wrote " + o.output + ", " + o.logFile() + ", " + o.chartFile());
            return 0;
        }
    }

    private <B> Trainer.Result train(Job<B> job, Path checkpoint, boolean resume, StopSignal stop,
                                     Progress progress, String task, NDManager manager) throws IOException {
        TrainConfig config = new TrainConfig(o.steps, o.lr, o.warmupSteps(), o.minLrRatio, o.weightDecay, o.clip,
                o.checkpointEvery, o.evalEvery, o.seed);
        return new Trainer<>(config, job.student(), job.batches(), manager).evaluator(job.evaluator())
                .checkpoint(checkpoint, job.fingerprint()).resume(resume).stopWhen(stop).progress(progress, task).run();
    }

    /** Checks that need no teacher; the recipe checks the rest. */
    static void check(DistillOptions o) {
        if (!Files.exists(o.teacher)) throw new WeightclassException(o.teacher + ": no such file");
        if (!Files.isRegularFile(o.data)) throw new WeightclassException(o.data + ": no such file (--data)");
        positive("--steps", o.steps);
        positive("--batch", o.batch);
        if (o.lr != null && (!(o.lr > 0) || !Double.isFinite(o.lr))) throw new WeightclassException("--lr must be a positive number, got " + o.lr);
        if (!(o.alpha >= 0 && o.alpha <= 1)) throw new WeightclassException("--alpha must be in [0, 1], got " + o.alpha);
        if (!(o.temperature > 0) || !Double.isFinite(o.temperature)) {
            throw new WeightclassException("--temperature must be positive, got " + o.temperature);
        }
        if (!(o.holdout >= 0 && o.holdout < 1)) throw new WeightclassException("--holdout must be in [0, 1), got " + o.holdout);
        if (!(o.minLrRatio >= 0 && o.minLrRatio <= 1)) throw new WeightclassException("--min-lr-ratio must be in [0, 1]");
        if (!(o.weightDecay >= 0) || !(o.clip >= 0)) throw new WeightclassException("--weight-decay and --clip must be >= 0");
        if (o.generate < 0 || o.topK < 0 || o.checkpointEvery < 0 || o.evalEvery < 0 || o.warmupSteps() < 0) {
            throw new WeightclassException("--generate, --top-k, --checkpoint-every, --eval-every and --warmup must be >= 0");
        }
        if (o.threads != null) positive("--threads", o.threads);
        if (o.ffn != null) positive("--ffn", o.ffn);
        if (o.dim != null) positive("--dim", o.dim);
        if (o.init == null || !(o.init.equals("slice") || o.init.equals("scratch"))) {
            throw new WeightclassException("--init must be slice or scratch, got " + o.init);
        }
        if (o.scratch() && o.dim == null && o.ffn == null) {
            throw new WeightclassException("--init scratch: nothing is narrowed (give --dim or --ffn); blocks always start as the teacher's");
        }
        if (o.context != null) positive("--context", o.context);
        Path out = o.output.toAbsolutePath();
        if (out.getParent() == null || !Files.isDirectory(out.getParent())) {
            throw new WeightclassException(o.output + ": output folder " + out.getParent() + " does not exist");
        }
        if (Files.exists(out) && Files.exists(o.teacher)) {
            try {
                if (Files.isSameFile(out, o.teacher)) throw new WeightclassException(o.output + ": is the teacher; write the student elsewhere");
            } catch (IOException e) {
                // cannot compare: AtomicOutput reports a real problem when writing
            }
        }
        if (o.resume && !Files.isRegularFile(o.checkpointFile())) {
            throw new WeightclassException(o.checkpointFile() + ": no checkpoint to resume from");
        }
    }

    private static void positive(String option, int v) {
        if (v <= 0) throw new WeightclassException(option + " must be at least 1, got " + v);
    }

    private static History.Eval lastEval(History h) {
        return h.evals().isEmpty() ? null : h.evals().get(h.evals().size() - 1);
    }

    static String format(Map<String, Double> metrics) {
        StringBuilder sb = new StringBuilder();
        new java.util.TreeMap<>(metrics).forEach((k, v) -> sb.append(sb.isEmpty() ? "" : ", ")
                .append(String.format(Locale.ROOT, "%s %.4f", k, v)));
        return sb.toString();
    }

    private static double tokensPerSecond(Trainer.Result r) {
        long tokens = r.history().steps().stream().mapToLong(History.Step::tokens).sum();
        return r.seconds() > 0 ? tokens / r.seconds() : 0;
    }

    private static String seconds(double s) {
        return String.format(Locale.ROOT, "%.1f s", s);
    }
}
