package dev.weightclass.cli;

import dev.weightclass.WeightclassException;
import dev.weightclass.eval.Perplexity;
import dev.weightclass.format.ModelFile;
import dev.weightclass.format.gguf.GgufFile;
import dev.weightclass.runtime.Kernels;
import dev.weightclass.runtime.LlamaModel;
import dev.weightclass.runtime.tokenizer.Tokenizer;
import dev.weightclass.share.CrossLayer;
import dev.weightclass.share.Dedupe;
import dev.weightclass.share.Importance;
import dev.weightclass.share.Palettization;
import dev.weightclass.share.Palettizer;
import dev.weightclass.share.ShareWriter;
import dev.weightclass.share.SharedModel;
import dev.weightclass.share.UniformBaseline;
import dev.weightclass.size.Bytes;
import dev.weightclass.tensor.TensorType;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ForkJoinPool;

@Command(name = "share",
        description = {"Parameter sharing: store equal or similar weights once and measure what it cost.",
                "--dedupe stores tensors with identical bytes once (a classifier equal to the embedding is",
                "dropped, as tied models are stored; safetensors keeps one copy plus alias metadata).",
                "--palettize BITS replaces every matrix by a table of 2^BITS values found by k-means and",
                "packed BITS-bit indices (docs/SHARING.md); the runtime executes it directly, --expand f16",
                "writes plain F16 instead. --calibration TEXT weights k-means by activation importance.",
                "--cross-layer compares corresponding matrices of different layers (ALBERT-style);",
                "--cross-layer K stores the K most similar pairs once. With --text the result is scored",
                "against the original (KL, perplexity, top-1) and, for --palettize on GGUF, against uniform",
                "quantization at the same bits (4 -> Q4_0, 8 -> Q8_0).",
                "",
                "Example: weightclass share model.gguf --palettize 4 --calibration wiki.txt --text test.txt -o model-p4.gguf"})
final class ShareCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "MODEL", description = "GGUF or safetensors model.")
    Path model;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT", description = "Where to write the shared model (same container as MODEL).")
    Path output;

    @Option(names = "--dedupe", description = "Store tensors with identical bytes once.")
    boolean dedupe;

    @Option(names = "--tie-embeddings", description = "Drop the classifier where it equals the token embedding.")
    boolean tie;

    @Option(names = "--palettize", paramLabel = "BITS", description = "Palettize matrices with 2^BITS-entry tables (2..8).")
    Integer bits;

    @Option(names = "--group", paramLabel = "N", description = "Rows per table (must divide every matrix's rows; default: one table per tensor).")
    Integer group;

    @Option(names = "--lut", paramLabel = "TYPE", defaultValue = "f16", description = "Table type f16 or f32 (default ${DEFAULT-VALUE}).")
    String lut;

    @Option(names = "--calibration", paramLabel = "FILE", description = "Text whose activations weight k-means (||X_j||^2 per input column).")
    Path calibration;

    @Option(names = "--seed", defaultValue = "1", description = "k-means++ seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--expand", paramLabel = "TYPE", description = "Write palettes expanded to plain f16 or f32 (for runtimes without palettes); "
            + "alone on a palettized model, expands it.")
    String expand;

    @Option(names = "--cross-layer", arity = "0..1", paramLabel = "K", fallbackValue = "0",
            description = "Report cross-layer similarity; with K, share the K most similar pairs.")
    Integer crossLayer;

    @Option(names = "--text", paramLabel = "FILE", description = "Score the result on this text against the original.")
    Path text;

    @Option(names = {"-c", "--ctx"}, defaultValue = "128", description = "Tokens per chunk for --text and --calibration (default ${DEFAULT-VALUE}).")
    int ctx;

    @Option(names = "--chunks", description = "Use at most this many chunks of each text.")
    Integer maxChunks;

    @Option(names = "--no-compare", description = "Skip the uniform-quantization comparison.")
    boolean noCompare;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Mixin
    ModelOptions options;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Palettizer.Options popts = bits == null ? null
                : new Palettizer.Options(bits, group == null ? 0 : group, tableType(lut, "--lut"), seed);
        if (bits == null && group != null) throw new WeightclassException("--group needs --palettize");
        if (bits == null && calibration != null) throw new WeightclassException("--calibration needs --palettize");
        TensorType expandType = expand == null ? null : tableType(expand, "--expand");
        boolean writes = dedupe || tie || bits != null || expand != null || (crossLayer != null && crossLayer > 0);
        if (!writes && crossLayer == null) {
            throw new WeightclassException("nothing to do: give --dedupe, --tie-embeddings, --palettize BITS, --expand or --cross-layer");
        }
        if (writes && output == null) throw new WeightclassException("-o OUT is required to write the shared model");
        if (crossLayer != null && crossLayer < 0) throw new WeightclassException("--cross-layer K must be positive");
        int threads = options.threads == null ? Kernels.defaultThreads() : options.threads;
        if (threads < 1) throw new WeightclassException("--threads must be at least 1");

        Map<String, Object> report = new LinkedHashMap<>();
        report.put("model", model.toString());
        ForkJoinPool pool = new ForkJoinPool(threads);
        try (ModelFile src = ModelFile.open(model)) {
            SharedModel shared = new SharedModel(src);
            long before = shared.dataBytes();
            report.put("input_bytes", src.fileBytes());
            List<String> lines = new ArrayList<>();

            if (dedupe || tie) {
                Dedupe.Result d = Dedupe.apply(shared, dedupe);
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("groups", d.groups().stream().map(g -> g.names()).toList());
                o.put("tied", d.tied());
                o.put("aliased", d.aliased());
                o.put("kept_in_gguf", d.kept());
                o.put("saved_bytes", d.savedBytes());
                report.put("dedupe", o);
                if (!d.changed() && bits == null && expand == null && (crossLayer == null || crossLayer == 0)) {
                    throw new WeightclassException(model + ": nothing to share: " + (d.groups().isEmpty()
                            ? "no two tensors hold identical bytes" : "the identical tensors cannot be shared in GGUF "
                            + d.kept() + " (only a classifier equal to the embedding can be dropped)"));
                }
                lines.add(String.format(Locale.ROOT, "dedupe        %d group(s) of identical tensors; %s%s; saves %s",
                        d.groups().size(), d.tied() ? "classifier tied to the embedding" : "no tie",
                        d.aliased().isEmpty() ? "" : ", " + d.aliased().size() + " alias(es)", Bytes.human(d.savedBytes())));
                if (!d.kept().isEmpty()) lines.add("              kept (GGUF cannot alias them for llama.cpp): " + d.kept());
            }

            if (crossLayer != null) {
                long t0 = System.nanoTime();
                List<CrossLayer.Pair> pairs = CrossLayer.analyse(src, pool);
                List<Map<String, Object>> top = new ArrayList<>();
                for (CrossLayer.Pair p : pairs.subList(0, Math.min(pairs.size(), 10))) {
                    Map<String, Object> o = new LinkedHashMap<>();
                    o.put("role", p.role());
                    o.put("layers", List.of(p.layerA(), p.layerB()));
                    o.put("cosine", p.cosine());
                    o.put("relative_l2", p.relativeL2());
                    o.put("bytes", p.bytes());
                    top.add(o);
                }
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("pairs", pairs.size());
                o.put("most_similar", top);
                lines.add(String.format(Locale.ROOT, "cross-layer   %d pairs compared in %.1f s; most similar (relative L2 = ||B-A||/||A||):",
                        pairs.size(), (System.nanoTime() - t0) / 1e9));
                for (CrossLayer.Pair p : pairs.subList(0, Math.min(pairs.size(), 5))) {
                    lines.add(String.format(Locale.ROOT, "              %-32s layers %d,%d  cos %.4f  rel-L2 %.4f  %s",
                            p.role(), p.layerA(), p.layerB(), p.cosine(), p.relativeL2(), Bytes.human(p.bytes())));
                }
                if (crossLayer > 0) {
                    if (pairs.isEmpty()) throw new WeightclassException(model + ": nothing to share: no two layers hold matrices of the same role and shape");
                    List<CrossLayer.Pair> done = CrossLayer.apply(shared, pairs, crossLayer);
                    long saved = done.stream().mapToLong(CrossLayer.Pair::bytes).sum();
                    o.put("shared", done.stream().map(p -> p.nameB() + " -> " + p.nameA()).toList());
                    o.put("saved_bytes", saved);
                    lines.add(String.format(Locale.ROOT, "              shared %d pair(s), saves %s", done.size(), Bytes.human(saved)));
                } else if (!pairs.isEmpty()) {
                    long all = 0;
                    for (CrossLayer.Pair p : pairs.subList(0, Math.min(pairs.size(), 5))) all += p.bytes();
                    lines.add("              sharing the 5 most similar would save " + Bytes.human(all) + " (--cross-layer 5 writes and measures it)");
                }
                report.put("cross_layer", o);
            }

            List<String> palettized = new ArrayList<>();
            if (popts != null) {
                Map<String, float[]> importance = Map.of();
                if (calibration != null) {
                    try (Kernels k = Kernels.vector(threads); LlamaModel m = LlamaModel.of(src, k)) {
                        Text cal = tokens(calibration, m);
                        importance = Importance.collect(m, cal.ids(), Math.min(ctx, cal.ids().length), cal.bos(), null);
                    }
                }
                long t0 = System.nanoTime();
                List<Palettizer.Fitted> fitted;
                long weights = src.tensors().stream().filter(t -> t.shape().length == 2).mapToLong(t -> t.elements()).sum();
                try (ProgressBar bar = ProgressBars.items("k-means (M weights)", Math.max(1, weights / 1_000_000), json)) {
                    fitted = Palettization.apply(shared, popts, importance, expandType, pool,
                            bar == null ? null : (d, total) -> bar.stepTo(d / 1_000_000));
                }
                double secs = (System.nanoTime() - t0) / 1e9;
                fitted.forEach(f -> palettized.add(f.source().name()));
                double bpw = fitted.stream().mapToDouble(f -> 8.0 * (f.lutBytes() + f.indexBytes())).sum()
                        / fitted.stream().mapToDouble(f -> (double) f.source().rows() * f.source().cols()).sum();
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("bits", bits);
                o.put("group_rows", group == null ? "tensor" : group);
                o.put("lut", popts.lutType().name());
                o.put("weighted", calibration != null);
                o.put("tensors", fitted.size());
                o.put("bits_per_weight", bpw);
                o.put("fit_seconds", secs);
                o.put("expanded", expandType == null ? null : expandType.name());
                report.put("palettize", o);
                lines.add(String.format(Locale.ROOT, "palettize     %d matrices, %d-bit %s tables %s, %.3f bits/weight%s, k-means %.2f s on %d threads",
                        fitted.size(), bits, popts.lutType(), group == null ? "per tensor" : "per " + group + " rows", bpw,
                        calibration != null ? " (activation-weighted)" : "", secs, threads));
            } else if (expandType != null) {
                List<String> names = Palettization.expandStored(shared, expandType);
                lines.add("expand        " + names.size() + " palette(s) to " + expandType);
            }

            if (output != null && writes) {
                long t0 = System.nanoTime();
                ShareWriter.write(shared, output);
                long size = Files.size(output);
                report.put("output", output.toString());
                report.put("output_bytes", size);
                lines.add(String.format(Locale.ROOT, "wrote         %s: %s (input %s, %.1f%%; tensor data %s -> %s) in %.1f s",
                        output, Bytes.human(size), Bytes.human(src.fileBytes()), 100.0 * size / src.fileBytes(),
                        Bytes.human(before), Bytes.human(shared.dataBytes()), (System.nanoTime() - t0) / 1e9));
                if (text != null) evaluate(src, palettized, threads, report, lines);
            }
            if (json) out.print(Json.pretty(report));
            else lines.forEach(out::println);
            out.flush();
        } finally {
            pool.shutdown();
        }
        return 0;
    }

    /** Scores the output (and the uniform baseline) against the original on --text. */
    private void evaluate(ModelFile src, List<String> palettized, int threads, Map<String, Object> report, List<String> lines)
            throws Exception {
        try (Kernels k = Kernels.vector(threads); LlamaModel ref = LlamaModel.of(src, k);
             LlamaModel shared = ModelOptions.open(output, k)) {
            Text t = tokens(text, ref);
            int[] tokens = t.ids();
            int c = Math.min(ctx, tokens.length), bos = t.bos();
            List<Map<String, Object>> rows = new ArrayList<>();
            rows.add(score("shared", output, Perplexity.evaluate(shared, ref, tokens, c, bos, null), lines));
            if (bits != null && !noCompare && expand == null && src instanceof GgufFile gguf) {
                Path tmp = Files.createTempFile(output.toAbsolutePath().getParent(), "uniform", ".gguf");
                try {
                    Map<TensorType, Integer> types = UniformBaseline.write(gguf, palettized, bits, tmp, threads);
                    try (LlamaModel uni = ModelOptions.open(tmp, k)) {
                        Map<String, Object> row = score("uniform " + types, tmp, Perplexity.evaluate(uni, ref, tokens, c, bos, null), lines);
                        row.put("types", types.toString());
                        rows.add(row);
                    }
                } finally {
                    Files.deleteIfExists(tmp);
                }
            }
            report.put("quality", rows);
            report.put("reference_perplexity", rows.getFirst().get("reference_perplexity"));
        }
    }

    private static Map<String, Object> score(String label, Path file, Perplexity.Result r, List<String> lines) throws java.io.IOException {
        long size = Files.size(file);
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("label", label);
        o.put("bytes", size);
        o.put("perplexity", r.perplexity());
        o.put("reference_perplexity", r.referencePerplexity());
        o.put("mean_kl", r.meanKl());
        o.put("top1_agreement", r.top1Agreement());
        o.put("tokens_scored", r.tokensScored());
        lines.add(String.format(Locale.ROOT, "quality       %-26s %9s  PPL %.4f (original %.4f)  KL %.5f  top-1 %.2f%%",
                label, Bytes.human(size), r.perplexity(), r.referencePerplexity(), r.meanKl(), 100 * r.top1Agreement()));
        return o;
    }

    /** A text as the model's tokenizer reads it, and the BOS id chunks start with. */
    private record Text(int[] ids, int bos) {}

    private Text tokens(Path file, LlamaModel m) throws java.io.IOException {
        Tokenizer tok = options.tokenizer(model, m.config().vocabSize());
        int[] t = tok.encode(EvalCommand.readUtf8(file), true);
        if (maxChunks != null) {
            if (maxChunks < 1) throw new WeightclassException("--chunks must be at least 1");
            t = java.util.Arrays.copyOf(t, (int) Math.min(t.length, (long) maxChunks * ctx));
        }
        if (t.length < 4) throw new WeightclassException(file + ": too little text (" + t.length + " tokens)");
        return new Text(t, tok.bos() >= 0 ? tok.bos() : 1);
    }

    private static TensorType tableType(String s, String option) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "f16" -> TensorType.F16;
            case "f32" -> TensorType.F32;
            default -> throw new WeightclassException(option + " " + s + ": must be f16 or f32");
        };
    }
}
