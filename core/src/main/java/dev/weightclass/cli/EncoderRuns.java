package dev.weightclass.cli;

import dev.weightclass.WeightclassException;
import dev.weightclass.eval.StsEvaluation;
import dev.weightclass.eval.StsFile;
import dev.weightclass.format.ModelFile;
import dev.weightclass.runtime.Kernels;
import dev.weightclass.runtime.bert.BertModel;
import dev.weightclass.runtime.bert.SentenceEncoder;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/** What run, eval and bench do when the model is a sentence encoder (BERT family) rather than a decoder. */
final class EncoderRuns {
    private EncoderRuns() {}

    /** True when {@code model} opens as a BERT-family encoder. */
    static boolean isEncoder(Path model) throws IOException {
        try (ModelFile f = ModelFile.open(model)) {
            return BertModel.isEncoder(f);
        }
    }

    static SentenceEncoder open(Path model, Integer threads, PrintWriter err) throws IOException {
        int t = threads == null ? Kernels.defaultThreads() : threads;
        if (t < 1) throw new WeightclassException("--threads must be at least 1");
        return SentenceEncoder.open(model, t).onWarning(w -> {
            err.println("warning: " + w);
            err.flush();
        });
    }

    /** {@code run MODEL -p TEXT}: the embedding (width, first values, norm; the whole vector with --json). */
    static int run(Path model, String text, Integer threads, boolean json, PrintWriter out, PrintWriter err) throws IOException {
        try (SentenceEncoder enc = open(model, threads, err)) {
            int[] ids = enc.tokens(text);
            long t0 = System.nanoTime();
            float[] e = enc.model().embed(List.of(ids))[0];
            double ms = (System.nanoTime() - t0) / 1e6;
            double norm = 0;
            for (float v : e) norm += (double) v * v;
            norm = Math.sqrt(norm);
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("model", model.toString());
                o.put("tokens", ids.length);
                o.put("dim", e.length);
                o.put("norm", norm);
                o.put("embedding", e);
                out.print(Json.pretty(o));
            } else {
                StringBuilder first = new StringBuilder();
                for (int i = 0; i < Math.min(8, e.length); i++) first.append(String.format(Locale.ROOT, "%s%.6f", i == 0 ? "" : ", ", e[i]));
                out.printf(Locale.ROOT, "embedding  dim %d, norm %.6f (mean-pooled over %d tokens, L2-normalised)%n", e.length, norm, ids.length);
                out.printf(Locale.ROOT, "first      [%s, ...]%n", first);
                err.printf(Locale.ROOT, "%s encoder, %d layers, %.1f ms, %d threads%n", enc.model().weightKind(),
                        enc.model().config().layers(), ms, enc.model().threads());
                err.flush();
            }
            out.flush();
        }
        return 0;
    }

    /** {@code eval MODEL --sts FILE [--reference MODEL]}. */
    static int eval(Path model, Path sts, Path reference, Integer threads, int batch, boolean json, PrintWriter out,
                    PrintWriter err) throws IOException {
        List<StsFile.Pair> pairs = StsFile.read(sts);
        if (reference != null && !isEncoder(reference)) {
            throw new WeightclassException(reference + ": the reference is not a sentence encoder; compare an encoder with an encoder");
        }
        try (SentenceEncoder enc = open(model, threads, err);
             SentenceEncoder ref = reference == null ? null : open(reference, threads, err)) {
            if (ref != null && ref.model().config().hidden() != enc.model().config().hidden()) {
                throw new WeightclassException("the reference's embeddings have width " + ref.model().config().hidden()
                        + ", the model's " + enc.model().config().hidden() + ": cosines between them mean nothing");
            }
            StsEvaluation r = StsEvaluation.run(enc, ref, pairs, batch);
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("model", model.toString());
                o.put("sts", sts.toString());
                o.put("pairs", r.pairs());
                o.put("spearman", r.spearman());
                if (r.hasReference()) {
                    o.put("reference", reference.toString());
                    o.put("reference_spearman", r.referenceSpearman());
                    o.put("mean_cosine", r.meanCosine());
                    o.put("min_cosine", r.minCosine());
                }
                out.print(Json.pretty(o));
            } else {
                out.printf(Locale.ROOT, "spearman        %.4f  (cosine vs gold over %d pairs)%n", r.spearman(), r.pairs());
                if (r.hasReference()) {
                    out.printf(Locale.ROOT, "reference       %.4f  (delta %+.4f)%n", r.referenceSpearman(), r.spearman() - r.referenceSpearman());
                    out.printf(Locale.ROOT, "cosine to ref   mean %.6f, min %.6f  (over %d sentences)%n", r.meanCosine(), r.minCosine(), 2 * r.pairs());
                }
            }
            out.flush();
        }
        return 0;
    }

    /** {@code bench} on an encoder: sentences/s and tokens/s on random sentences of {@code tokens} tokens. */
    static int bench(Path model, int tokens, int batch, int repeats, Integer threads, boolean json, PrintWriter out,
                     PrintWriter err) throws IOException {
        if (batch < 1 || tokens < 2) throw new WeightclassException("--batch must be >= 1 and -p >= 2 for an encoder");
        try (SentenceEncoder enc = open(model, threads, err)) {
            BertModel m = enc.model();
            int len = Math.min(tokens, m.config().maxPositions());
            if (len < tokens) err.printf("warning: -p %d is more than the model's %d positions; using %d%n", tokens, len, len);
            Random rnd = new Random(42);
            int cls = Math.max(0, enc.tokenizer().bos()), sep = Math.max(0, enc.tokenizer().eos());
            List<int[]> sentences = new ArrayList<>();
            int count = Math.max(batch, 4 * batch);
            for (int s = 0; s < count; s++) {
                int[] ids = new int[len];
                for (int i = 0; i < len; i++) ids[i] = 1000 + rnd.nextInt(m.config().vocabSize() - 1000);
                ids[0] = cls;
                ids[len - 1] = sep;
                sentences.add(ids);
            }
            double[] perSecond = new double[repeats];
            for (int r = -1; r < repeats; r++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < count; i += batch) m.embed(sentences.subList(i, Math.min(count, i + batch)));
                double sec = (System.nanoTime() - t0) / 1e9;
                if (r >= 0) perSecond[r] = count / sec;
            }
            double[] sorted = perSecond.clone();
            Arrays.sort(sorted);
            double median = sorted[sorted.length / 2];
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("model", model.toString());
                o.put("threads", m.threads());
                o.put("weights", m.weightKind());
                o.put("tokens_per_sentence", len);
                o.put("batch", batch);
                o.put("sentences_per_second", perSecond);
                o.put("sentences_per_second_median", median);
                o.put("tokens_per_second_median", median * len);
                out.print(Json.pretty(o));
            } else {
                out.printf(Locale.ROOT, "model    %s (%s encoder, %d layers, width %d)%n", model, m.weightKind(), m.config().layers(), m.config().hidden());
                out.printf(Locale.ROOT, "threads  %d, batch %d sentences of %d tokens%n", m.threads(), batch, len);
                StringBuilder runs = new StringBuilder();
                for (double d : perSecond) runs.append(runs.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%.1f", d));
                out.printf(Locale.ROOT, "embed    %8.1f sentences/s median, %9.0f tokens/s  (%s)%n", median, median * len, runs);
            }
            out.flush();
        }
        return 0;
    }
}
