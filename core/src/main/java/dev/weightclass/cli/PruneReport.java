package dev.weightclass.cli;

import dev.weightclass.eval.Perplexity;
import dev.weightclass.prune.Calibration;
import dev.weightclass.prune.PruneResult;
import dev.weightclass.size.Bytes;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The prune command's report: per block sparsity and storage, file sizes, and the quality cost. */
final class PruneReport {
    private PruneReport() {}

    static void print(PrintWriter out, PruneResult r, Calibration cal, Perplexity.Result ev, int evalCtx, long zstdIn,
                      long zstdOut, double calSeconds, double pruneSeconds) {
        var o = r.options();
        out.printf(Locale.ROOT, "%s pruning, %s, %s%n", o.method().id(),
                o.pattern().structured() ? o.pattern() + " (" + pct(o.sparsity()) + ")" : pct(o.sparsity()) + " unstructured",
                o.type() == null ? "types kept" : "quantized to " + o.type());
        if (cal != null) out.printf(Locale.ROOT, "calibration: %s, %.1f s%n", cal.source(), calSeconds);
        boolean nm = o.pattern().structured();
        out.printf(Locale.ROOT, "%-9s %7s %9s %12s %12s %12s %12s %12s%s%n", "block", "target", "sparsity", "dense",
                "zstd before", "zstd after", "CSR", "bitmask", nm ? String.format("%12s", o.pattern()) : "");
        for (PruneResult.Layer l : r.layers()) {
            String name = l.outputLayer() == l.layer() ? String.valueOf(l.layer()) : l.layer() + "->" + l.outputLayer();
            out.printf(Locale.ROOT, "%-9s %7s %9s %12s %12s %12s %12s %12s%s%n", name, pct(l.targetSparsity()),
                    pct(l.sparsity()), Bytes.human(l.bytesOut()), Bytes.human(l.zstdIn()), Bytes.human(l.zstdOut()),
                    Bytes.human(l.csr()), Bytes.human(l.bitmask()),
                    nm ? String.format("%12s", l.nm() < 0 ? "dense" : Bytes.human(l.nm())) : "");
        }
        out.printf(Locale.ROOT, "%-9s %7s %9s %12s %12s %12s %12s %12s%s%n", "all", pct(o.sparsity()), pct(r.sparsity()),
                Bytes.human(r.matrixBytesOut()), Bytes.human(r.zstdIn()), Bytes.human(r.zstdOut()),
                Bytes.human(r.csrBytes()), Bytes.human(r.bitmaskBytes()),
                nm ? String.format("%12s", Bytes.human(r.nmBytes())) : "");
        if (!r.dropped().isEmpty()) {
            out.printf(Locale.ROOT, "dropped blocks %s: %d -> %d blocks, %s of tensors removed%n", r.dropped(),
                    r.layersIn(), r.layersOut(), Bytes.human(r.droppedBytes()));
        }
        out.println();
        out.printf(Locale.ROOT, "file     %s -> %s  %s%n", grouped(r.inputFileBytes()), grouped(r.outputFileBytes()),
                change(r.inputFileBytes(), r.outputFileBytes()));
        out.printf(Locale.ROOT, "zstd -3  %s -> %s  %s%n", grouped(zstdIn), grouped(zstdOut), change(zstdIn, zstdOut));
        for (String line : verdict(r, zstdIn, zstdOut)) out.println(line);
        if (ev != null) {
            out.println();
            out.printf(Locale.ROOT, "eval (%d chunks of %d tokens, %d scored), pruned vs dense:%n", ev.chunks(), evalCtx,
                    ev.tokensScored());
            out.printf(Locale.ROOT, "perplexity      %.4f  (dense %.4f, %+.2f%%)%n", ev.perplexity(),
                    ev.referencePerplexity(), 100 * ev.deltaPerplexity() / ev.referencePerplexity());
            out.printf(Locale.ROOT, "mean KL         %.6f nats/token%n", ev.meanKl());
            out.printf(Locale.ROOT, "top-1 agreement %.2f%%%n", 100 * ev.top1Agreement());
        }
        out.printf(Locale.ROOT, "wrote %s in %.1f s%n", r.output(), pruneSeconds);
    }

    /** Plain sentences on what the pruning saves in a download. */
    static List<String> verdict(PruneResult r, long zstdIn, long zstdOut) {
        List<String> v = new ArrayList<>();
        long in = r.inputFileBytes(), out = r.outputFileBytes();
        boolean shrankByType = r.options().type() != null || !r.dropped().isEmpty();
        if (!shrankByType && out >= in) {
            v.add("Pruning saves no download bytes as the file stands: the zeros are stored densely, so the file is "
                    + (out == in ? "exactly as large as" : "no smaller than") + " the dense one.");
        } else if (shrankByType) {
            v.add("The file is smaller only because of " + (r.options().type() != null ? "quantization" : "")
                    + (r.options().type() != null && !r.dropped().isEmpty() ? " and " : "")
                    + (!r.dropped().isEmpty() ? "the dropped blocks" : "") + "; the pruned zeros are stored densely.");
        }
        if (zstdOut < zstdIn) {
            v.add(String.format(Locale.ROOT, "Compressed (zstd -3, as a server could send it) it is %s smaller.",
                    pct(1 - (double) zstdOut / zstdIn)));
        } else {
            v.add("Compressed with zstd it is not smaller either.");
        }
        long dense = r.matrixBytesOut(), best = r.bestBytes();
        if (dense > 0) {
            v.add(String.format(Locale.ROOT, "A sparse layout of the pruned matrices would take %s instead of %s (%s): "
                            + "only runtimes that read that layout get this saving.", Bytes.human(best),
                    Bytes.human(dense), best < dense ? "-" + pct(1 - (double) best / dense) : "no saving"));
        }
        return v;
    }

    static Map<String, Object> json(PruneResult r, Calibration cal, Perplexity.Result ev, int evalCtx, long zstdIn,
                                    long zstdOut, double calSeconds, double pruneSeconds) {
        var o = r.options();
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("output", r.output().toString());
        j.put("method", o.method().id());
        j.put("pattern", o.pattern().toString());
        j.put("sparsity_target", o.sparsity());
        j.put("skip_layers", o.skipLayers());
        j.put("first_last_denser", o.firstLastDenser());
        j.put("drop_layers", o.dropLayers());
        j.put("type", o.type() == null ? null : o.type().name());
        if (cal != null) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("source", cal.source());
            c.put("sequences", cal.sequences().size());
            c.put("tokens", cal.tokens());
            c.put("seconds", round(calSeconds, 3));
            j.put("calibration", c);
        }
        j.put("prune_seconds", round(pruneSeconds, 3));
        j.put("layers_in", r.layersIn());
        j.put("layers_out", r.layersOut());
        j.put("sparsity", r.sparsity());
        List<Map<String, Object>> layers = new ArrayList<>();
        for (PruneResult.Layer l : r.layers()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("layer", l.layer());
            m.put("output_layer", l.outputLayer());
            m.put("sparsity_target", l.targetSparsity());
            m.put("sparsity", l.sparsity());
            m.put("weights", l.elements());
            m.put("zeros", l.zeros());
            m.put("dense_bytes_before", l.bytesIn());
            m.put("dense_bytes_after", l.bytesOut());
            m.put("zstd_bytes_before", l.zstdIn());
            m.put("zstd_bytes_after", l.zstdOut());
            m.put("csr_bytes", l.csr());
            m.put("bitmask_bytes", l.bitmask());
            if (l.nm() >= 0) m.put("nm_bytes", l.nm());
            m.put("best_bytes", l.best());
            layers.add(m);
        }
        j.put("layers", layers);
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("file_bytes_before", r.inputFileBytes());
        s.put("file_bytes_after", r.outputFileBytes());
        s.put("zstd_file_bytes_before", zstdIn);
        s.put("zstd_file_bytes_after", zstdOut);
        s.put("matrix_bytes_dense", r.matrixBytesOut());
        s.put("matrix_bytes_csr", r.csrBytes());
        s.put("matrix_bytes_bitmask", r.bitmaskBytes());
        if (r.nmBytes() >= 0) s.put("matrix_bytes_nm", r.nmBytes());
        s.put("matrix_bytes_best", r.bestBytes());
        s.put("dropped_bytes", r.droppedBytes());
        s.put("saves_download_bytes", r.outputFileBytes() < r.inputFileBytes());
        s.put("verdict", String.join(" ", verdict(r, zstdIn, zstdOut)));
        j.put("storage", s);
        if (ev != null) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("ctx", evalCtx);
            e.put("chunks", ev.chunks());
            e.put("tokens_scored", ev.tokensScored());
            e.put("perplexity", ev.perplexity());
            e.put("dense_perplexity", ev.referencePerplexity());
            e.put("mean_kl", ev.meanKl());
            e.put("top1_agreement", ev.top1Agreement());
            j.put("eval", e);
        }
        j.put("warnings", r.warnings());
        return j;
    }

    static String pct(double f) { return String.format(Locale.ROOT, "%.1f%%", 100 * f); }

    private static String grouped(long n) { return String.format(Locale.ROOT, "%,d bytes", n); }

    private static String change(long a, long b) {
        if (a == b) return "(same)";
        return String.format(Locale.ROOT, "(%+.1f%%)", 100.0 * (b - a) / a);
    }

    private static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}
