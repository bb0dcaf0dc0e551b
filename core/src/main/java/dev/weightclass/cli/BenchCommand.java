package dev.weightclass.cli;

import dev.weightclass.WeightclassException;
import dev.weightclass.format.ModelFile;
import dev.weightclass.runtime.Bench;
import dev.weightclass.runtime.Kernels;
import dev.weightclass.runtime.LlamaModel;
import dev.weightclass.runtime.SyntheticLlama;
import dev.weightclass.tensor.TensorType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "bench",
        description = {"How fast does it run here? Prompt processing (pp) and generation (tg) tokens/s",
                "measured like llama-bench (pp: one batch of -p tokens; tg: -n tokens one at a time),",
                "plus the process's peak memory. Figures vary between runs on shared machines:",
                "compare medians, and compare ratios rather than absolute numbers.",
                "For a sentence encoder (BERT, MiniLM): sentences/s and tokens/s embedding --batch",
                "random sentences of -p tokens at a time (default 32 tokens)."})
final class BenchCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "MODEL", description = "A decoder model (.gguf, safetensors folder, llama2.c .bin).")
    Path model;

    @Option(names = "-p", description = "Prompt tokens (default 512; 0 skips pp). Encoders: tokens per sentence (default 32).")
    Integer promptOption;

    @Option(names = "--batch", defaultValue = "32", description = "Encoders: sentences per batch (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "-n", defaultValue = "128", description = "Generated tokens (default ${DEFAULT-VALUE}; 0 skips tg).")
    int gen;

    @Option(names = {"-t", "--threads"}, description = "Threads (default: all cores).")
    Integer threads;

    @Option(names = {"-r", "--repeats"}, defaultValue = "3", description = "Measured runs of each test (default ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--synthetic", paramLabel = "TYPE",
            description = "When MODEL does not exist, first write a TinyLlama-1.1B-shaped llama GGUF with random "
                    + "weights of TYPE (Q8_0, Q4_0, F16 or F32) there.")
    String synthetic;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        var out = spec.commandLine().getOut();
        if (synthetic == null && EncoderRuns.isEncoder(model)) {
            if (repeats < 1) throw new WeightclassException("-r must be >= 1");
            return EncoderRuns.bench(model, promptOption == null ? 32 : promptOption, batch, repeats, threads, json, out,
                    spec.commandLine().getErr());
        }
        int prompt = promptOption == null ? 512 : promptOption;
        if (prompt < 0 || gen < 0 || repeats < 1) throw new WeightclassException("-p and -n must be >= 0, -r >= 1");
        if (synthetic != null && !Files.exists(model)) {
            TensorType type = TensorType.fromName(synthetic).orElseThrow(
                    () -> new WeightclassException("unknown tensor type '" + synthetic + "'"));
            var err = spec.commandLine().getErr();
            err.println("writing " + SyntheticLlama.TINYLLAMA_1_1B.name() + "-shaped random " + type + " model to " + model + " ...");
            err.flush();
            SyntheticLlama.write(model, SyntheticLlama.TINYLLAMA_1_1B, type, 1);
        }
        int t = threads == null ? Kernels.defaultThreads() : threads;
        try (Kernels k = Kernels.vector(t); LlamaModel m = LlamaModel.owning(ModelFile.open(model), k)) {
            Bench.Result r = Bench.run(m, prompt, gen, repeats);
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("model", model.toString());
                o.put("threads", t);
                o.put("kernels", k.name());
                o.put("pp_tokens", prompt);
                o.put("tg_tokens", gen);
                o.put("pp_tokens_per_second", r.ppTokensPerSecond());
                o.put("tg_tokens_per_second", r.tgTokensPerSecond());
                o.put("pp_median", r.ppMedian());
                o.put("tg_median", r.tgMedian());
                o.put("pp_tokens_per_cpu_second", r.ppTokensPerCpuSecond());
                o.put("tg_tokens_per_cpu_second", r.tgTokensPerCpuSecond());
                o.put("weight_bytes_per_token", m.weights().bytesPerToken());
                o.put("peak_rss_bytes", r.peakRssBytes());
                out.print(Json.pretty(o));
            } else {
                out.printf(Locale.ROOT, "model    %s (%s, %d layers, dim %d)%n", model, m.config().architecture(),
                        m.config().layers(), m.config().dim());
                out.printf(Locale.ROOT, "threads  %d, %s kernels%n", t, k.name());
                if (prompt > 0) out.printf(Locale.ROOT, "pp%-5d  %8.2f t/s median, %8.2f max  (%s)%n", prompt, r.ppMedian(), r.ppMax(), list(r.ppTokensPerSecond()));
                if (gen > 0) out.printf(Locale.ROOT, "tg%-5d  %8.2f t/s median, %8.2f max  (%s)%n", gen, r.tgMedian(), r.tgMax(), list(r.tgTokensPerSecond()));
                if (gen > 0) {
                    long bytes = m.weights().bytesPerToken();
                    out.printf(Locale.ROOT, "tg reads %.1f GB/s of weights (%.1f MB per token; memory bandwidth / that bounds tg)%n",
                            r.tgMedian() * bytes / 1e9, bytes / 1e6);
                }
                out.printf(Locale.ROOT, "per CPU-second: pp %s, tg %s (x threads = estimate for an idle machine)%n",
                        list(r.ppTokensPerCpuSecond()), list(r.tgTokensPerCpuSecond()));
                out.printf(Locale.ROOT, "peak RSS %.1f MiB (mapped weights that were read count here)%n", r.peakRssBytes() / 1048576.0);
            }
            out.flush();
        }
        return 0;
    }

    private static String list(double[] v) {
        StringBuilder sb = new StringBuilder();
        for (double d : v) sb.append(sb.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%.2f", d));
        return sb.toString();
    }
}
