package dev.weightclass.distill.decoder;

import dev.weightclass.WeightclassException;
import dev.weightclass.distill.ScratchInit;
import dev.weightclass.distill.Slicing;
import dev.weightclass.runtime.Kernels;
import dev.weightclass.runtime.LlamaConfig;
import dev.weightclass.runtime.LlamaWeights;
import dev.weightclass.runtime.WeightMatrix;

/**
 * What a llama student keeps of its teacher. A narrower width D' keeps
 * <ul>
 *   <li>the same D' residual channels in every tensor that reads or writes the residual stream
 *       (token table and classifier columns, every RMSNorm weight, the input columns of Wq, Wk, Wv,
 *       gate, up and the output rows of Wo, down);</li>
 *   <li>whole attention heads at the teacher's head width (RoPE's frequencies stay those the
 *       teacher learned with): heads * D'/D of them per block, whole K/V groups so grouped-query
 *       attention keeps its group size.</li>
 * </ul>
 *
 * @param layers   student block i starts as teacher block layers[i]
 * @param channels kept residual channels, ascending; null keeps all
 * @param groups   per student block, the kept K/V heads (each with its query heads); null keeps all
 * @param ffnUnits per student block, the kept FFN hidden units; null keeps all
 * @param scratch  non-null: narrowed tensors start random ({@code --init scratch}) instead of sliced
 */
public record LlamaSlice(int[] layers, int[] channels, int[][] groups, int[][] ffnUnits, ScratchInit scratch) {

    /** Fewer blocks only (and optionally a narrower FFN): the slice before --dim existed. */
    public static LlamaSlice blocks(int[] layers, int[][] ffnUnits) {
        return new LlamaSlice(layers, null, null, ffnUnits, null);
    }

    /** The student's shape. */
    public LlamaConfig config(LlamaConfig t) {
        int dim = channels == null ? t.dim() : channels.length;
        int kv = groups == null ? t.kvHeads() : groups[0].length;
        int ffn = ffnUnits == null ? t.ffnDim() : ffnUnits[0].length;
        return shape(t, layers.length, dim, kv * (t.heads() / t.kvHeads()), kv, ffn);
    }

    private static LlamaConfig shape(LlamaConfig t, int layers, int dim, int heads, int kv, int ffn) {
        return new LlamaConfig(t.architecture(), dim, layers, heads, kv, t.headDim(), ffn, t.vocabSize(), t.contextLength(),
                t.rmsEps(), t.ropeTheta(), t.rope(), t.slidingWindow(), t.activation(), t.embedScale(), t.normOffset());
    }

    /**
     * The student's shape for {@code --dim} and {@code --ffn}, checked: widths no larger than the
     * teacher's, and a width that keeps whole heads and whole K/V groups.
     */
    public static LlamaConfig studentConfig(LlamaConfig t, int layers, int dim, int ffn) {
        Slicing.requireNotWider("--dim", dim, t.dim(), "width");
        Slicing.requireNotWider("--ffn", ffn, t.ffnDim(), "FFN width");
        // kept K/V heads = kv * dim / D must be whole; each brings its group of query heads
        int step = t.dim() / gcd(t.dim(), t.kvHeads());
        if (dim % step != 0) {
            int group = t.heads() / t.kvHeads();
            throw new WeightclassException("--dim " + dim + ": the student keeps whole attention heads (" + t.heads()
                    + " of width " + t.headDim() + (group > 1 ? ", K/V shared by groups of " + group : "")
                    + " for width " + t.dim() + "), so --dim must be a multiple of " + step
                    + (dim > step ? ", e.g. " + dim / step * step : ""));
        }
        int kv = (int) ((long) t.kvHeads() * dim / t.dim());
        return shape(t, layers, dim, kv * (t.heads() / t.kvHeads()), kv, ffn);
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    /** The slice of the {@code student} shape (from {@link #studentConfig}) with the strongest channels, heads and units. */
    public static LlamaSlice strongest(LlamaConfig teacher, LlamaWeights w, int[] layers, LlamaConfig student,
                                       ScratchInit scratch) {
        int[] channels = student.dim() < teacher.dim() ? strongestChannels(w, layers, student.dim()) : null;
        int[][] groups = student.kvHeads() < teacher.kvHeads() ? strongestGroups(teacher, w, layers, student.kvHeads()) : null;
        int[][] units = student.ffnDim() < teacher.ffnDim() ? strongestFfnUnits(w, layers, student.ffnDim()) : null;
        return new LlamaSlice(layers, channels, groups, units, scratch);
    }

    /**
     * The {@code width} residual channels with the largest score, where every tensor of the kept
     * blocks (and the token table, classifier and final norm) adds the share of its squared weights
     * that lies on each channel ({@link Slicing#addShares}).
     */
    public static int[] strongestChannels(LlamaWeights w, int[] layers, int width) {
        int d = w.tokenEmbedding.cols();
        double[] score = new double[d];
        try (Kernels k = Kernels.scalar(1)) {
            Slicing.addShares(score, energy(k, w.tokenEmbedding)[1]);
            if (!w.tied()) Slicing.addShares(score, energy(k, w.output)[1]);
            Slicing.addShares(score, squares(w.outputNorm));
            for (int src : layers) {
                LlamaWeights.Layer l = w.layers.get(src);
                Slicing.addShares(score, squares(l.attnNorm()));
                Slicing.addShares(score, squares(l.ffnNorm()));
                for (WeightMatrix in : new WeightMatrix[] {l.wq(), l.wk(), l.wv(), l.gate(), l.up()}) {
                    Slicing.addShares(score, energy(k, in)[1]);   // reads channel c through column c
                }
                Slicing.addShares(score, energy(k, l.wo())[0]);   // writes channel c through row c
                Slicing.addShares(score, energy(k, l.down())[0]);
            }
        }
        return Slicing.strongest(score, width);
    }

    /**
     * Per block, the {@code keep} K/V heads whose group (the K/V head with the query heads that read
     * it) has the largest |Wq rows| * |Wk rows| * |Wv rows| * |Wo columns| (Frobenius norms), as
     * {@link #strongestFfnUnits} scores an FFN unit.
     */
    public static int[][] strongestGroups(LlamaConfig c, LlamaWeights w, int[] layers, int keep) {
        int hd = c.headDim(), group = c.heads() / c.kvHeads();
        int[][] out = new int[layers.length][];
        try (Kernels k = Kernels.scalar(1)) {
            for (int i = 0; i < layers.length; i++) {
                LlamaWeights.Layer l = w.layers.get(layers[i]);
                double[] q = Slicing.blockSums(energy(k, l.wq())[0], hd * group);
                double[] kk = Slicing.blockSums(energy(k, l.wk())[0], hd);
                double[] v = Slicing.blockSums(energy(k, l.wv())[0], hd);
                double[] o = Slicing.blockSums(energy(k, l.wo())[1], hd * group);
                double[] score = new double[c.kvHeads()];
                for (int g = 0; g < score.length; g++) score[g] = Math.sqrt(q[g] * kk[g] * v[g] * o[g]);
                out[i] = Slicing.strongest(score, keep);
            }
        }
        return out;
    }

    /**
     * Per block, the {@code width} FFN hidden units with the largest |gate row| * |up row| * |down
     * column| (a unit's output scales with all three).
     */
    public static int[][] strongestFfnUnits(LlamaWeights w, int[] layers, int width) {
        int[][] out = new int[layers.length][];
        try (Kernels k = Kernels.scalar(1)) {
            for (int i = 0; i < layers.length; i++) {
                LlamaWeights.Layer l = w.layers.get(layers[i]);
                double[] g = energy(k, l.gate())[0], u = energy(k, l.up())[0], d = energy(k, l.down())[1];
                double[] score = new double[g.length];
                for (int j = 0; j < score.length; j++) score[j] = Math.sqrt(g[j] * u[j] * d[j]);
                out[i] = Slicing.strongest(score, width);
            }
        }
        return out;
    }

    /** {row energies, column energies} of a stored matrix, in one pass over its rows. */
    static double[][] energy(Kernels k, WeightMatrix m) {
        double[] rows = new double[m.rows()], cols = new double[m.cols()];
        float[] row = new float[m.cols()];
        for (int r = 0; r < m.rows(); r++) {
            k.row(m, r, row, 0);
            for (int c = 0; c < row.length; c++) {
                double s = (double) row[c] * row[c];
                rows[r] += s;
                cols[c] += s;
            }
        }
        return new double[][] {rows, cols};
    }

    private static double[] squares(float[] v) {
        double[] e = new double[v.length];
        for (int i = 0; i < v.length; i++) e[i] = (double) v[i] * v[i];
        return e;
    }

    /** Query-head rows of Wq (and columns of Wo) of block i: all rows when heads are not narrowed. */
    int[] queryRows(LlamaConfig teacher, int i) {
        return groups == null ? null : Slicing.expand(groups[i], teacher.headDim() * (teacher.heads() / teacher.kvHeads()));
    }

    /** K/V-head rows of Wk and Wv of block i. */
    int[] kvRows(LlamaConfig teacher, int i) {
        return groups == null ? null : Slicing.expand(groups[i], teacher.headDim());
    }

    int[] ffn(int i) {
        return ffnUnits == null ? null : ffnUnits[i];
    }
}
