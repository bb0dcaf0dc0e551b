package dev.weightclass.distill.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;

import java.util.SplittableRandom;

/**
 * The sentence-embedding distillation loss (as in multilingual sentence-embedding distillation):
 * <pre>
 *   s    = normalize(P · mean(student hidden) + b)     [B, Ht]   (P, b only when the widths differ)
 *   loss = mean over batch and width of (s - t)^2       t: the teacher's normalised embedding
 * </pre>
 * The projection exists for training only: the exported student keeps its own width.
 */
public final class EmbeddingMse {
    private final NDArray weight;   // [Ht, Hs] or null
    private final NDArray bias;     // [Ht] or null

    private EmbeddingMse(NDArray weight, NDArray bias) {
        this.weight = weight;
        this.bias = bias;
    }

    /** Student and teacher of the same width: no projection. */
    public static EmbeddingMse direct() {
        return new EmbeddingMse(null, null);
    }

    /** A learned projection from the student width to the teacher's, Xavier-uniform from {@code seed}, bias 0. */
    public static EmbeddingMse projected(int studentWidth, int teacherWidth, long seed, NDManager manager) {
        SplittableRandom r = new SplittableRandom(seed);
        double limit = Math.sqrt(6.0 / (studentWidth + teacherWidth));
        float[] w = new float[teacherWidth * studentWidth];
        for (int i = 0; i < w.length; i++) w[i] = (float) ((2 * r.nextDouble() - 1) * limit);
        return of(manager.create(w, new Shape(teacherWidth, studentWidth)), manager.zeros(new Shape(teacherWidth)));
    }

    /**
     * The projection that puts student channel j back on teacher channel {@code channels[j]} (a
     * student sliced from the teacher starts with the teacher's embedding on the kept channels,
     * zeros elsewhere), bias 0; trained from there.
     */
    public static EmbeddingMse selection(int[] channels, int teacherWidth, NDManager manager) {
        float[] w = new float[teacherWidth * channels.length];
        for (int j = 0; j < channels.length; j++) w[channels[j] * channels.length + j] = 1f;
        return of(manager.create(w, new Shape(teacherWidth, channels.length)), manager.zeros(new Shape(teacherWidth)));
    }

    /** A given projection {@code y = x W^T + b} (W [Ht, Hs]); arrays are trained in place. */
    public static EmbeddingMse of(NDArray weight, NDArray bias) {
        weight.setRequiresGradient(true);
        bias.setRequiresGradient(true);
        return new EmbeddingMse(weight, bias);
    }

    public static EmbeddingMse forWidths(int studentWidth, int teacherWidth, long seed, NDManager manager) {
        return studentWidth == teacherWidth ? direct() : projected(studentWidth, teacherWidth, seed, manager);
    }

    /** The projection's weight [Ht, Hs], or null. */
    public NDArray weight() { return weight; }

    /** The projection's bias [Ht], or null. */
    public NDArray bias() { return bias; }

    /** The student embedding compared with the teacher's: [B, Hs] mean-pooled -> [B, Ht] normalised. */
    public NDArray studentEmbedding(NDArray pooled) {
        NDArray s = weight == null ? pooled : Linear.linear(pooled, weight, bias).singletonOrThrow();
        return DjlBert.normalize(s);
    }

    /** The scalar loss of mean-pooled student states [B, Hs] against teacher embeddings [B, Ht]. */
    public NDArray loss(NDArray pooled, NDArray teacher) {
        return studentEmbedding(pooled).sub(teacher).square().mean();
    }
}
