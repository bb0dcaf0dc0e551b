package dev.weightclass.cli;

import dev.weightclass.WeightclassException;
import dev.weightclass.compress.Codec;
import dev.weightclass.compress.TransferSizer;
import dev.weightclass.eval.Perplexity;
import dev.weightclass.format.ModelFile;
import dev.weightclass.prune.ActivationNorms;
import dev.weightclass.prune.Calibration;
import dev.weightclass.prune.PruneMethod;
import dev.weightclass.prune.PruneOptions;
import dev.weightclass.prune.PruneResult;
import dev.weightclass.prune.Pruner;
import dev.weightclass.prune.SparsityPattern;
import dev.weightclass.quant.QuantPreset;
import dev.weightclass.runtime.Kernels;
import dev.weightclass.runtime.LlamaModel;
import dev.weightclass.runtime.tokenizer.Tokenizer;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.Callable;

@Command(name = "prune",
        description = {"Zero the least important weights of every block matrix (attention q/k/v/o, feed-forward",
                "gate/up/down) and write the model again, optionally quantized and with whole blocks removed.",
                "Each output row (one output feature) loses the same share of its weights.",
                "",
                "Methods: magnitude (smallest |W|) or wanda (smallest |W| x ||X||, X the layer's input over",
                "calibration text run through the built-in runtime; without --calibration the model's own",
                "generations are used). Patterns: unstructured, or N:M (at most N of every M consecutive",
                "weights kept: 2:4 runs on sparse tensor cores).",
                "",
                "The report gives per block the sparsity reached and what it does to storage: a dense file",
                "of zeros is exactly as large as before, so it shows the zstd size before and after and the",
                "size of sparse layouts (CSR, bitmask + values, N:M values + indices). With --eval TEXT the",
                "pruned model is scored against the dense one (perplexity, KL, top-1 agreement); the same",
                "figures come from 'weightclass eval OUT --reference MODEL --text TEXT'.",
                "",
                "Example: weightclass prune model-f16.gguf --sparsity 0.5 --method wanda -o pruned.gguf --eval wiki.txt"})
final class PruneCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "MODEL", description = "A GGUF or safetensors model (F32/F16/BF16 is best).")
    Path model;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT",
            description = "The file to write (atomically): .gguf for a GGUF input, .safetensors for safetensors "
                    + "(config.json and tokenizer files are written beside it).")
    Path output;

    @Option(names = "--sparsity", paramLabel = "S", description = "Fraction of each row to zero, in [0, 1) "
            + "(required for unstructured; N:M patterns fix it).")
    Double sparsity;

    @Option(names = "--method", defaultValue = "wanda", paramLabel = "magnitude|wanda",
            description = "How weights are scored (default ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--pattern", defaultValue = "unstructured", paramLabel = "unstructured|N:M",
            description = "Which weights may be zeroed together: unstructured, 2:4, 4:8 (default ${DEFAULT-VALUE}).")
    String pattern;

    @Option(names = "--skip-layers", split = ",", paramLabel = "N,...", description = "Blocks to leave dense.")
    List<Integer> skipLayers = new ArrayList<>();

    @Option(names = "--first-last-denser", description = "The first and last block get half the sparsity "
            + "(with N:M they stay dense): they are the most sensitive.")
    boolean firstLastDenser;

    @Option(names = "--drop-layers", split = ",", paramLabel = "N,...",
            description = "Blocks to remove; later blocks are renumbered and the block count rewritten.")
    List<Integer> dropLayers = new ArrayList<>();

    @Option(names = "--type", paramLabel = "TYPE", description = "Quantize in the same pass (GGUF: any quantize "
            + "type, e.g. Q8_0, Q4_K_M; safetensors: F32, F16, BF16).")
    String type;

    @Option(names = "--calibration", paramLabel = "FILE", description = "UTF-8 text for wanda's activation norms.")
    Path calibration;

    @Option(names = "--samples", defaultValue = "16", paramLabel = "N",
            description = "Calibration sequences (default ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--calibration-ctx", paramLabel = "N",
            description = "Tokens per calibration sequence (default: 128, at most the model's context).")
    Integer calibrationCtx;

    @Option(names = "--seed", defaultValue = "0", description = "Seed for generated calibration text.")
    long seed;

    @Option(names = "--eval", paramLabel = "TEXT", description = "Score the pruned model against the dense one on this text.")
    Path eval;

    @Option(names = "--eval-ctx", paramLabel = "N", description = "Tokens per eval chunk (default: 512, at most the "
            + "model's context).")
    Integer evalCtx;

    @Option(names = "--eval-chunks", paramLabel = "N", description = "Score at most this many chunks.")
    Integer evalChunks;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Mixin
    ModelOptions runtime;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PruneOptions o = options();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean needsRuntime = o.method() == PruneMethod.WANDA || eval != null;
        String evalText = eval == null ? null : EvalCommand.readUtf8(eval);
        String calibrationText = calibration == null ? null : EvalCommand.readUtf8(calibration);
        try (ModelFile in = ModelFile.open(model); Kernels k = needsRuntime ? runtime.kernels() : null) {
            Pruner.check(in, output, o);
            LlamaModel dense = needsRuntime ? LlamaModel.of(in, k) : null;
            Tokenizer tok = null;
            if (calibrationText != null || evalText != null) tok = runtime.tokenizer(model, dense.config().vocabSize());
            int bos = tok != null && tok.bos() >= 0 ? tok.bos() : bosOf(in);

            Calibration cal = null;
            ActivationNorms norms = null;
            long t0 = System.nanoTime();
            if (o.method() == PruneMethod.WANDA) {
                int ctx = Math.min(calibrationCtx == null ? 128 : calibrationCtx, contextOf(dense));
                try (ProgressBar bar = calibrationText == null ? bar("generate", samples, "") : null) {
                    cal = calibrationText != null
                            ? Calibration.fromTokens(tok.encode(calibrationText, true), samples, ctx, bos,
                            calibration.getFileName().toString())
                            : Calibration.generated(dense, samples, ctx, bos, seed, bar == null ? null : i -> bar.step());
                }
                Calibration c = cal;
                try (ProgressBar bar = bar("calibrate", c.sequences().size(), "")) {
                    norms = ActivationNorms.collect(dense, c.sequences(), bar == null ? null : i -> bar.step());
                }
            }
            double calibrationSeconds = (System.nanoTime() - t0) / 1e9;
            long t1 = System.nanoTime();
            long total = in.tensors().stream().mapToLong(t -> t.byteSize()).sum();
            PruneResult r;
            try (ProgressBar bar = bar("prune", total, " MB")) {
                r = Pruner.prune(in, output, o, norms, bar == null ? null : bar::stepBy);
            }
            double pruneSeconds = (System.nanoTime() - t1) / 1e9;
            long zstdIn = zstd(in.files()), zstdOut = zstd(List.of(output));
            Perplexity.Result ev = null;
            int ectx = 0;
            if (evalText != null) {
                ectx = Math.min(evalCtx == null ? 512 : evalCtx, contextOf(dense));
                int[] tokens = tok.encode(evalText, true);
                if (evalChunks != null) {
                    if (evalChunks < 1) throw new WeightclassException("--eval-chunks must be at least 1");
                    tokens = java.util.Arrays.copyOf(tokens, (int) Math.min(tokens.length, (long) evalChunks * ectx));
                }
                try (LlamaModel pruned = ModelOptions.open(output, k)) {
                    ev = Perplexity.evaluate(pruned, dense, tokens, ectx, bos, null);
                }
            }
            for (String w : r.warnings()) err.println("warning: " + w);
            err.flush();
            if (json) out.print(Json.pretty(PruneReport.json(r, cal, ev, ectx, zstdIn, zstdOut, calibrationSeconds,
                    pruneSeconds)));
            else PruneReport.print(out, r, cal, ev, ectx, zstdIn, zstdOut, calibrationSeconds, pruneSeconds);
            out.flush();
        }
        return 0;
    }

    private PruneOptions options() {
        SparsityPattern p = SparsityPattern.parse(pattern);
        if (sparsity == null && !p.structured()) {
            throw new WeightclassException("--sparsity is required for unstructured pruning (e.g. --sparsity 0.5)");
        }
        double s = sparsity != null ? sparsity : p.sparsity();
        QuantPreset t = type == null ? null : QuantPreset.parse(type);
        if (samples < 1) throw new WeightclassException("--samples must be at least 1, got " + samples);
        return new PruneOptions(PruneMethod.parse(method), s, p, new TreeSet<>(skipLayers), firstLastDenser,
                new TreeSet<>(dropLayers), t, runtime.threads == null ? Kernels.defaultThreads() : runtime.threads);
    }

    private static int contextOf(LlamaModel m) {
        int c = m.config().contextLength();
        return c > 0 ? c : Integer.MAX_VALUE;
    }

    /** BOS from GGUF metadata when no tokenizer is loaded; 1 (llama's) otherwise. */
    private static int bosOf(ModelFile in) {
        return in.metadata().get("tokenizer.ggml.bos_token_id") instanceof Number n ? n.intValue() : 1;
    }

    private static long zstd(List<Path> files) throws IOException {
        TransferSizer z = TransferSizer.defaults(null);
        long n = 0;
        for (Path f : files) n += z.measure(f, List.of(Codec.ZSTD.at(Codec.ZSTD.defaultLevel()))).getFirst().bytes();
        return n;
    }

    /** A progress bar on the terminal; none when stderr is not one (tests, pipes) or with --json. */
    private ProgressBar bar(String task, long max, String unit) {
        if (System.console() == null || json) return null;
        ProgressBarBuilder b = new ProgressBarBuilder().setTaskName(task).setInitialMax(max)
                .setStyle(ProgressBarStyle.ASCII).setConsumer(new ConsoleProgressBarConsumer(System.err));
        if (!unit.isEmpty()) b.setUnit(unit, 1_000_000).showSpeed();
        return b.build();
    }

}
