package dev.weightclass.distill.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.weightclass.distill.train.Evaluator;
import dev.weightclass.eval.Spearman;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Held-out measurements of an encoder student, without gradients:
 * {@code heldout_cosine}, the mean cosine between the student's (projected) embedding and the
 * teacher's on sentences kept out of training, and with an STS file {@code sts_spearman}, the
 * Spearman correlation of the student's own embeddings' pair cosines with the gold scores.
 */
public final class EncoderEvaluation implements Evaluator {
    /** Sentences per forward pass. */
    static final int CHUNK = 64;

    private final EncoderStudent student;
    private final NDManager manager;
    private final List<int[]> heldout;
    private final float[][] heldoutTeacher;
    private final List<int[]> stsSentences;   // both sides of pair i at 2i, 2i + 1
    private final double[] gold;

    /**
     * @param stsSentences token ids of both sides of every pair (first, second, first, ...), or empty
     * @param gold         each pair's gold score
     */
    public EncoderEvaluation(EncoderStudent student, NDManager manager, List<int[]> heldout, float[][] heldoutTeacher,
                             List<int[]> stsSentences, double[] gold) {
        this.student = student;
        this.manager = manager;
        this.heldout = heldout;
        this.heldoutTeacher = heldoutTeacher;
        this.stsSentences = stsSentences;
        this.gold = gold;
    }

    @Override
    public Map<String, Double> evaluate() {
        Map<String, Double> out = new LinkedHashMap<>();
        try (NDManager m = manager.newSubManager()) {
            // the parameters' results of this pass land in m and are freed with it
            for (NDArray p : student.model().parameters().values()) p.tempAttach(m);
            if (student.mse().weight() != null) {
                student.mse().weight().tempAttach(m);
                student.mse().bias().tempAttach(m);
            }
            if (!heldout.isEmpty()) {
                float[][] s = embed(heldout, m, true);
                double sum = 0;
                for (int i = 0; i < s.length; i++) sum += dot(s[i], heldoutTeacher[i]);
                out.put("heldout_cosine", sum / s.length);
            }
            if (!stsSentences.isEmpty()) {
                float[][] e = embed(stsSentences, m, false);
                double[] cos = new double[gold.length];
                for (int i = 0; i < gold.length; i++) cos[i] = dot(e[2 * i], e[2 * i + 1]);
                out.put("sts_spearman", Spearman.correlation(cos, gold));
            }
        }
        return out;
    }

    /** Normalised embeddings: the projected ones compared with the teacher, or the student's own. */
    private float[][] embed(List<int[]> sentences, NDManager m, boolean projected) {
        List<float[]> out = new ArrayList<>();
        for (int from = 0; from < sentences.size(); from += CHUNK) {
            try (NDManager chunk = m.newSubManager()) {
                TokenBatch b = TokenBatch.of(sentences.subList(from, Math.min(sentences.size(), from + CHUNK)), chunk);
                NDArray pooled = DjlBert.meanPool(student.model().hidden(b.ids(), b.mask()), b.mask());
                NDArray e = projected ? student.mse().studentEmbedding(pooled) : DjlBert.normalize(pooled);
                int w = Math.toIntExact(e.getShape().get(1));
                float[] flat = e.toFloatArray();
                for (int i = 0; i < flat.length / w; i++) out.add(java.util.Arrays.copyOfRange(flat, i * w, (i + 1) * w));
            }
        }
        return out.toArray(new float[0][]);
    }

    /** The cosine of two unit vectors. */
    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
        return s;
    }
}
