package dev.weightclass.eval;

import dev.weightclass.runtime.bert.SentenceEncoder;

import java.util.ArrayList;
import java.util.List;

/**
 * Semantic textual similarity: the cosine of each pair's two embeddings against the gold score
 * (Spearman's rank correlation, as the STS benchmark reports), and with a reference encoder the
 * cosine between the two models' embeddings of every sentence (how far compression moved them).
 *
 * @param pairs            sentence pairs scored
 * @param spearman         Spearman of the model's pair cosines vs gold
 * @param referenceSpearman the reference's Spearman, or NaN
 * @param meanCosine       mean cosine between model and reference embeddings, or NaN
 * @param minCosine        smallest such cosine, or NaN
 */
public record StsEvaluation(int pairs, double spearman, double referenceSpearman, double meanCosine, double minCosine) {

    public boolean hasReference() { return !Double.isNaN(meanCosine); }

    /** Embeds both sides of every pair in batches of {@code batch} (and with the reference, when not null). */
    public static StsEvaluation run(SentenceEncoder model, SentenceEncoder reference, List<StsFile.Pair> pairs, int batch) {
        List<String> texts = new ArrayList<>(2 * pairs.size());
        for (StsFile.Pair p : pairs) {
            texts.add(p.first());
            texts.add(p.second());
        }
        float[][] e = embed(model, texts, batch);
        double[] gold = new double[pairs.size()];
        for (int i = 0; i < gold.length; i++) gold[i] = pairs.get(i).gold();
        double spearman = Spearman.correlation(pairCosines(e), gold);
        if (reference == null) return new StsEvaluation(pairs.size(), spearman, Double.NaN, Double.NaN, Double.NaN);
        float[][] r = embed(reference, texts, batch);
        double sum = 0, min = Double.POSITIVE_INFINITY;
        for (int i = 0; i < e.length; i++) {
            double c = cosine(e[i], r[i]);
            sum += c;
            min = Math.min(min, c);
        }
        return new StsEvaluation(pairs.size(), spearman, Spearman.correlation(pairCosines(r), gold), sum / e.length, min);
    }

    private static float[][] embed(SentenceEncoder enc, List<String> texts, int batch) {
        float[][] out = new float[texts.size()][];
        for (int i = 0; i < texts.size(); i += batch) {
            float[][] part = enc.embed(texts.subList(i, Math.min(texts.size(), i + batch)));
            System.arraycopy(part, 0, out, i, part.length);
        }
        return out;
    }

    private static double[] pairCosines(float[][] e) {
        double[] c = new double[e.length / 2];
        for (int i = 0; i < c.length; i++) c[i] = cosine(e[2 * i], e[2 * i + 1]);
        return c;
    }

    public static double cosine(float[] a, float[] b) {
        if (a.length != b.length) throw new IllegalArgumentException("embeddings of width " + a.length + " and " + b.length);
        double ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += (double) a[i] * b[i];
            aa += (double) a[i] * a[i];
            bb += (double) b[i] * b[i];
        }
        return ab / Math.sqrt(aa * bb);
    }
}
