package dev.weightclass.cli;

import dev.weightclass.WeightclassException;
import dev.weightclass.format.ModelFile;
import dev.weightclass.lora.LoraExtract;
import dev.weightclass.lora.LoraWriter;
import dev.weightclass.lora.TruncatedSvd;
import dev.weightclass.runtime.Kernels;
import dev.weightclass.size.Bytes;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

@Command(name = "extract", mixinStandardHelpOptions = true,
        description = {"Turn a fine-tuned model into a LoRA adapter of its base: for every target tensor the",
                "difference D = W_finetuned - W_base is cut to its best rank-R approximation by truncated",
                "SVD (D ~ U S V^T, kept as B = U sqrt(S), A = sqrt(S) V^T, alpha = R so the scale is 1).",
                "The report gives, per tensor, the energy captured (sum of the R largest squared singular",
                "values over |D|^2) and the relative error it leaves: a fine-tune that really was low-rank",
                "shows ~100%%; a full fine-tune needs a higher rank than its energy curve suggests.",
                "",
                "Small matrices (smaller side <= " + TruncatedSvd.EXACT_LIMIT + ") get an exact SVD (one-sided Jacobi); larger",
                "ones a randomized SVD (R + --oversample random directions, --power-iterations rounds).",
                "Tensors run in parallel. Targets: every 2-D tensor inside the blocks, or --targets REGEX.",
                "",
                "Example: weightclass lora extract base.gguf finetuned.gguf --rank 16 -o adapter.gguf"})
final class LoraExtractCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "BASE", description = "The base model.")
    Path base;

    @Parameters(index = "1", paramLabel = "FINETUNED", description = "The fine-tuned model (same tensor names and shapes).")
    Path finetuned;

    @Option(names = {"-r", "--rank"}, required = true, paramLabel = "R", description = "The adapter's rank.")
    int rank;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "ADAPTER",
            description = "Where to write: a folder for PEFT, a .gguf file for GGUF (atomically).")
    Path output;

    @Option(names = "--format", paramLabel = "peft|gguf",
            description = "Adapter format (default: gguf when OUTPUT ends in .gguf, else peft).")
    LoraWriter.Format format;

    @Option(names = "--targets", paramLabel = "REGEX",
            description = "Extract the 2-D tensors whose name contains a match, e.g. 'attn_(q|v)' (default: all inside the blocks).")
    String targets;

    @Option(names = "--power-iterations", defaultValue = "2", paramLabel = "Q",
            description = "Power iterations of the randomized SVD (default ${DEFAULT-VALUE}).")
    int powerIterations;

    @Option(names = "--oversample", defaultValue = "10", paramLabel = "P",
            description = "Extra random directions of the randomized SVD (default ${DEFAULT-VALUE}).")
    int oversample;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the random projections (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = {"-t", "--threads"}, description = "Tensors worked on at once (default: all cores).")
    Integer threads;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        int t = threads == null ? Kernels.defaultThreads() : threads;
        if (t < 1) throw new WeightclassException("--threads must be at least 1");
        Pattern p = null;
        if (targets != null) {
            try {
                p = Pattern.compile(targets);
            } catch (PatternSyntaxException e) {
                throw new WeightclassException("--targets " + targets + ": not a regular expression (" + e.getDescription() + ")");
            }
        }
        LoraWriter.Format f = format != null ? format
                : output.getFileName().toString().endsWith(".gguf") ? LoraWriter.Format.GGUF : LoraWriter.Format.PEFT;
        LoraExtract.Options o = new LoraExtract.Options(rank, oversample, powerIterations, p, seed, t);
        PrintWriter out = spec.commandLine().getOut();
        try (ModelFile b = ModelFile.open(base); ModelFile ft = ModelFile.open(finetuned)) {
            LoraExtract.Result r;
            try (ProgressBar bar = ProgressBars.items("extract", b.tensors().size(), json)) {
                r = LoraExtract.extract(b, ft, o, bar == null ? null : i -> bar.step());
            }
            LoraWriter.write(r.factors(), b, f, output);
            long bytes = f == LoraWriter.Format.GGUF ? Files.size(output)
                    : Files.size(output.resolve("adapter_model.safetensors")) + Files.size(output.resolve("adapter_config.json"));
            if (json) out.print(Json.pretty(toJson(r, f, bytes)));
            else print(out, r, f, bytes);
        }
        out.flush();
        return 0;
    }

    private Map<String, Object> toJson(LoraExtract.Result r, LoraWriter.Format f, long bytes) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("base", base.toString());
        o.put("finetuned", finetuned.toString());
        o.put("output", output.toString());
        o.put("format", f.name().toLowerCase(Locale.ROOT));
        o.put("rank", rank);
        o.put("adapter_bytes", bytes);
        o.put("parameters", r.factors().stream().mapToLong(x -> (long) x.rank() * (x.in() + x.out())).sum());
        o.put("tensors_extracted", r.factors().size());
        o.put("tensors_unchanged", r.unchanged());
        o.put("mean_energy", r.factors().stream().mapToDouble(LoraExtract.Factors::energy).average().orElse(0));
        o.put("min_energy", r.factors().stream().mapToDouble(LoraExtract.Factors::energy).min().orElse(0));
        o.put("seconds", r.seconds());
        List<Map<String, Object>> l = new ArrayList<>();
        for (LoraExtract.Factors x : r.factors()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", x.base().name());
            m.put("shape", x.base().shape());
            m.put("energy", x.energy());
            m.put("relative_error", x.relativeError());
            m.put("difference_norm", x.differenceNorm());
            m.put("svd", x.exact() ? "exact" : "randomized");
            m.put("seconds", x.seconds());
            l.add(m);
        }
        o.put("tensors", l);
        return o;
    }

    private void print(PrintWriter out, LoraExtract.Result r, LoraWriter.Format f, long bytes) {
        out.printf(Locale.ROOT, "%-40s %-14s %9s %9s %11s %-10s %7s%n", "tensor", "shape", "energy", "rel.err", "|D|", "svd", "s");
        for (LoraExtract.Factors x : r.factors()) {
            out.printf(Locale.ROOT, "%-40s %-14s %8.3f%% %9.2e %11.4e %-10s %7.2f%n", x.base().name(),
                    Arrays.toString(x.base().shape()).replace(" ", ""), 100 * x.energy(), x.relativeError(),
                    x.differenceNorm(), x.exact() ? "exact" : "randomized", x.seconds());
        }
        if (!r.unchanged().isEmpty()) out.printf(Locale.ROOT, "%d tensors unchanged (skipped)%n", r.unchanged().size());
        double mean = r.factors().stream().mapToDouble(LoraExtract.Factors::energy).average().orElse(0);
        double min = r.factors().stream().mapToDouble(LoraExtract.Factors::energy).min().orElse(0);
        out.printf(Locale.ROOT, "rank %d over %d tensors: energy captured mean %.3f%%, lowest %.3f%%%n", rank,
                r.factors().size(), 100 * mean, 100 * min);
        out.printf(Locale.ROOT, "wrote %s (%s): %,d bytes (%s) in %.1f s%n", output, f.name().toLowerCase(Locale.ROOT),
                bytes, Bytes.human(bytes), r.seconds());
    }
}
