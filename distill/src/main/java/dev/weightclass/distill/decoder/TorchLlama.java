package dev.weightclass.distill.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import dev.weightclass.WeightclassException;
import dev.weightclass.distill.train.Param;
import dev.weightclass.runtime.Kernels;
import dev.weightclass.runtime.LlamaConfig;
import dev.weightclass.runtime.LlamaWeights;
import dev.weightclass.runtime.WeightMatrix;

import java.util.ArrayList;
import java.util.List;

/**
 * A llama decoder as PyTorch tensors (through DJL), so autograd can train it. The same math as
 * core's {@link dev.weightclass.runtime.LlamaModel}, for a whole batch of sequences at once:
 * <pre>
 *   x = embed(tokens)                                             [B, T, D]
 *   per block:
 *     h = rmsnorm(x) * attnNorm
 *     q = h Wq^T -> [B, H, T, hd];  k, v = h Wk^T, h Wv^T -> [B, KV, T, hd]
 *     q, k = rope(q), rope(k)          rotation of pairs as the runtime's RopeStyle says
 *     a = softmax(q k^T / sqrt(hd) + causal) v                    (kv head = head / group)
 *     x = x + a Wo^T
 *     h = rmsnorm(x) * ffnNorm
 *     x = x + (silu(h Wgate^T) * h Wup^T) Wdown^T
 *   logits = rmsnorm(x) * outNorm  Wout^T                          [B, T, V]
 * </pre>
 * Weights are stored as the GGUF rows are ([out, in]); the tied classifier is the embedding itself.
 */
public final class TorchLlama {

    /** The shape of this model: the teacher's config with fewer blocks and possibly a narrower FFN. */
    private final LlamaConfig config;
    private final NDArray tokEmbd, outNorm, output;
    private final List<Block> blocks;
    private final float[] invFreq;
    /** Round K and V to half precision, as the runtime's F16 KV cache does (to compare with it). */
    private boolean halfKv;

    record Block(NDArray attnNorm, NDArray wq, NDArray wk, NDArray wv, NDArray wo,
                 NDArray ffnNorm, NDArray gate, NDArray up, NDArray down) {}

    private TorchLlama(LlamaConfig config, NDArray tokEmbd, List<Block> blocks, NDArray outNorm, NDArray output) {
        this.config = config;
        this.tokEmbd = tokEmbd;
        this.blocks = blocks;
        this.outNorm = outNorm;
        this.output = output;
        int half = config.headDim() / 2;
        invFreq = new float[half];
        for (int i = 0; i < half; i++) invFreq[i] = (float) Math.pow(config.ropeTheta(), -2.0 * i / config.headDim());
    }

    /** Architectures this forward computes exactly as the runtime does. */
    static void checkSupported(LlamaConfig c, LlamaWeights w, String source) {
        if (c.activation() != LlamaConfig.Activation.SILU || c.embedScale() != 1f || c.normOffset() != 0f) {
            throw new WeightclassException(source + ": distill trains llama-style decoders (SwiGLU, no embedding "
                    + "scale); " + c.architecture() + " is not supported");
        }
        for (LlamaWeights.Layer l : w.layers) {
            if (l.bq() != null || l.bk() != null || l.bv() != null) {
                throw new WeightclassException(source + ": attention biases (" + c.architecture() + ") are not supported by distill");
            }
        }
        if (w.tokenEmbedding.palette() != null || w.output.palette() != null) {
            throw new WeightclassException(source + ": a palettized model cannot be a teacher; expand it first (share --expand f16)");
        }
    }

    /**
     * A model initialised from the teacher's weights: block i of the result is teacher block
     * {@code layers[i]}; its FFN keeps hidden units {@code ffnUnits[i]} (all when {@code ffnUnits} is null).
     *
     * @param trainable create the tensors with gradients (a student) or without (the teacher)
     */
    public static TorchLlama fromTeacher(LlamaConfig teacher, LlamaWeights w, int[] layers, int[][] ffnUnits,
                                         boolean trainable, NDManager m) {
        int ffn = ffnUnits == null ? teacher.ffnDim() : ffnUnits[0].length;
        LlamaConfig c = new LlamaConfig(teacher.architecture(), teacher.dim(), layers.length, teacher.heads(),
                teacher.kvHeads(), teacher.headDim(), ffn, teacher.vocabSize(), teacher.contextLength(), teacher.rmsEps(),
                teacher.ropeTheta(), teacher.rope(), teacher.slidingWindow(), teacher.activation(), teacher.embedScale(),
                teacher.normOffset());
        try (Kernels k = Kernels.scalar(1)) {
            NDArray embd = matrix(k, w.tokenEmbedding, null, null, m, trainable);
            List<Block> blocks = new ArrayList<>();
            for (int i = 0; i < layers.length; i++) {
                LlamaWeights.Layer l = w.layers.get(layers[i]);
                int[] units = ffnUnits == null ? null : ffnUnits[i];
                blocks.add(new Block(vector(l.attnNorm(), m, trainable), matrix(k, l.wq(), null, null, m, trainable),
                        matrix(k, l.wk(), null, null, m, trainable), matrix(k, l.wv(), null, null, m, trainable),
                        matrix(k, l.wo(), null, null, m, trainable), vector(l.ffnNorm(), m, trainable),
                        matrix(k, l.gate(), units, null, m, trainable), matrix(k, l.up(), units, null, m, trainable),
                        matrix(k, l.down(), null, units, m, trainable)));
            }
            NDArray outNorm = vector(w.outputNorm, m, trainable);
            NDArray out = w.tied() ? embd : matrix(k, w.output, null, null, m, trainable);
            return new TorchLlama(c, embd, blocks, outNorm, out);
        }
    }

    /**
     * This model over a subset of the vocabulary: embedding and classifier rows {@code keep}
     * (token i of the result is token {@code keep[i]} here), the blocks shared. For a teacher
     * this gives its logits restricted to the kept tokens, whose softmax is the teacher's
     * distribution renormalised over them. The full-vocabulary rows are released.
     */
    public TorchLlama withVocabulary(int[] keep, boolean trainable, NDManager m) {
        LlamaConfig c = config;
        LlamaConfig sub = new LlamaConfig(c.architecture(), c.dim(), c.layers(), c.heads(), c.kvHeads(), c.headDim(),
                c.ffnDim(), keep.length, c.contextLength(), c.rmsEps(), c.ropeTheta(), c.rope(), c.slidingWindow(),
                c.activation(), c.embedScale(), c.normOffset());
        NDArray embd = rows(tokEmbd, keep, m, trainable);
        NDArray out = tied() ? embd : rows(output, keep, m, trainable);
        if (!tied()) output.close();
        tokEmbd.close();
        TorchLlama t = new TorchLlama(sub, embd, blocks, outNorm, out);
        t.halfKv = halfKv;
        return t;
    }

    private static NDArray rows(NDArray a, int[] keep, NDManager m, boolean grad) {
        int cols = (int) a.getShape().get(1);
        float[] all = a.toFloatArray(), out = new float[keep.length * cols];
        for (int i = 0; i < keep.length; i++) System.arraycopy(all, keep[i] * cols, out, i * cols, cols);
        NDArray r = m.create(out, new Shape(keep.length, cols));
        if (grad) r.setRequiresGradient(true);
        return r;
    }

    /** The stored matrix as floats, keeping only rows {@code rows} and columns {@code cols} when given. */
    private static NDArray matrix(Kernels k, WeightMatrix w, int[] rows, int[] cols, NDManager m, boolean grad) {
        int nr = rows == null ? w.rows() : rows.length, nc = cols == null ? w.cols() : cols.length;
        float[] row = new float[w.cols()];
        float[] out = new float[nr * nc];
        for (int r = 0; r < nr; r++) {
            k.row(w, rows == null ? r : rows[r], row, 0);
            if (cols == null) System.arraycopy(row, 0, out, r * nc, nc);
            else for (int j = 0; j < nc; j++) out[r * nc + j] = row[cols[j]];
        }
        NDArray a = m.create(out, new Shape(nr, nc));
        if (grad) a.setRequiresGradient(true);
        return a;
    }

    private static NDArray vector(float[] v, NDManager m, boolean grad) {
        NDArray a = m.create(v.clone(), new Shape(v.length));
        if (grad) a.setRequiresGradient(true);
        return a;
    }

    public LlamaConfig config() { return config; }

    /**
     * The {@code width} FFN hidden units of each chosen teacher block with the largest
     * |gate row| * |up row| * |down column| (a unit's output scales with all three), in their
     * original order.
     */
    public static int[][] strongestFfnUnits(LlamaWeights w, int[] layers, int width) {
        int[][] out = new int[layers.length][];
        try (Kernels k = Kernels.scalar(1)) {
            for (int i = 0; i < layers.length; i++) {
                LlamaWeights.Layer l = w.layers.get(layers[i]);
                int f = l.gate().rows();
                double[] score = new double[f];
                float[] row = new float[Math.max(l.gate().cols(), l.down().cols())];
                for (int u = 0; u < f; u++) score[u] = norm(k, l.gate(), u, row) * norm(k, l.up(), u, row);
                double[] down = new double[f];
                for (int r = 0; r < l.down().rows(); r++) {
                    k.row(l.down(), r, row, 0);
                    for (int u = 0; u < f; u++) down[u] += (double) row[u] * row[u];
                }
                Integer[] order = new Integer[f];
                for (int u = 0; u < f; u++) {
                    order[u] = u;
                    score[u] *= Math.sqrt(down[u]);
                }
                java.util.Arrays.sort(order, (a, b) -> Double.compare(score[b], score[a]));
                out[i] = java.util.Arrays.stream(order, 0, width).mapToInt(Integer::intValue).sorted().toArray();
            }
        }
        return out;
    }

    private static double norm(Kernels k, WeightMatrix w, int r, float[] row) {
        k.row(w, r, row, 0);
        double s = 0;
        for (int j = 0; j < w.cols(); j++) s += (double) row[j] * row[j];
        return Math.sqrt(s);
    }

    /** Every tensor of this model (trainable or not), for a manager to take over temporarily. */
    List<NDArray> arrays() {
        return parameters().stream().map(Param::value).toList();
    }

    public boolean tied() { return output == tokEmbd; }

    /** Rounds K and V to half precision like the runtime's KV cache (off for training). */
    public void halfKv(boolean on) { this.halfKv = on; }

    /** Trainable tensors named as in a GGUF file (block numbers of this model). */
    public List<Param> parameters() {
        List<Param> p = new ArrayList<>();
        p.add(new Param("token_embd.weight", tokEmbd, true));
        for (int i = 0; i < blocks.size(); i++) {
            Block b = blocks.get(i);
            String n = "blk." + i + ".";
            p.add(new Param(n + "attn_norm.weight", b.attnNorm(), false));
            p.add(new Param(n + "attn_q.weight", b.wq(), true));
            p.add(new Param(n + "attn_k.weight", b.wk(), true));
            p.add(new Param(n + "attn_v.weight", b.wv(), true));
            p.add(new Param(n + "attn_output.weight", b.wo(), true));
            p.add(new Param(n + "ffn_norm.weight", b.ffnNorm(), false));
            p.add(new Param(n + "ffn_gate.weight", b.gate(), true));
            p.add(new Param(n + "ffn_up.weight", b.up(), true));
            p.add(new Param(n + "ffn_down.weight", b.down(), true));
        }
        p.add(new Param("output_norm.weight", outNorm, false));
        if (!tied()) p.add(new Param("output.weight", output, true));
        return p;
    }

    /** Parameter count (the tied classifier counted once). */
    public long parameterCount() {
        return parameters().stream().mapToLong(p -> p.value().size()).sum();
    }

    /**
     * Next-token logits for every position.
     *
     * @param tokens [B, T] int64 token ids, every sequence starting at position 0
     * @return [B, T, V]
     */
    public NDArray forward(NDArray tokens, NDManager m) {
        LlamaConfig c = config;
        long b = tokens.getShape().get(0), t = tokens.getShape().get(1);
        int hd = c.headDim(), group = c.heads() / c.kvHeads();
        NDArray x = tokens.getNDArrayInternal().embedding(tokens, tokEmbd, SparseFormat.DENSE).singletonOrThrow();
        NDArray[] rope = rope(t, m);
        NDArray mask = causalMask(t, m);
        float scale = (float) (1.0 / Math.sqrt(hd));
        for (Block k : blocks) {
            NDArray h = rmsnorm(x, k.attnNorm());
            NDArray q = heads(h.matMul(k.wq().transpose()), b, t, c.heads(), hd);   // [B, H, T, hd]
            NDArray kk = heads(h.matMul(k.wk().transpose()), b, t, c.kvHeads(), hd); // [B, KV, T, hd]
            NDArray v = heads(h.matMul(k.wv().transpose()), b, t, c.kvHeads(), hd);
            q = rotate(q, rope);
            kk = rotate(kk, rope);
            if (halfKv) {
                kk = kk.toType(DataType.FLOAT16, false).toType(DataType.FLOAT32, false);
                v = v.toType(DataType.FLOAT16, false).toType(DataType.FLOAT32, false);
            }
            if (group > 1) {
                kk = kk.repeat(1, group);
                v = v.repeat(1, group);
            }
            NDArray p = q.matMul(kk.transpose(0, 1, 3, 2)).mul(scale).add(mask).softmax(-1); // [B, H, T, T]
            NDArray a = p.matMul(v).transpose(0, 2, 1, 3).reshape(b, t, c.qDim());
            x = x.add(a.matMul(k.wo().transpose()));
            h = rmsnorm(x, k.ffnNorm());
            NDArray g = h.matMul(k.gate().transpose());
            NDArray u = h.matMul(k.up().transpose());
            NDArray act = g.mul(g.getNDArrayInternal().sigmoid()).mul(u);
            x = x.add(act.matMul(k.down().transpose()));
        }
        return rmsnorm(x, outNorm).matMul(output.transpose());
    }

    /** [B, T, H*hd] -> [B, H, T, hd]. */
    private static NDArray heads(NDArray a, long b, long t, int n, int hd) {
        return a.reshape(b, t, n, hd).transpose(0, 2, 1, 3);
    }

    /** x / sqrt(mean(x^2) + eps) * w over the last axis. */
    private NDArray rmsnorm(NDArray x, NDArray w) {
        NDArray ms = x.square().mean(new int[] {-1}, true);
        return x.div(ms.add(config.rmsEps()).sqrt()).mul(w);
    }

    /** 0 on and below the diagonal, a large negative number above it: [T, T]. */
    private static NDArray causalMask(long t, NDManager m) {
        float[] mask = new float[(int) (t * t)];
        for (int i = 0; i < t; i++) for (int j = i + 1; j < t; j++) mask[(int) (i * t + j)] = -1e9f;
        return m.create(mask, new Shape(t, t));
    }

    /**
     * cos and sin per position and head coordinate ([T, hd], each frequency on both members of its
     * pair), and P [hd, hd] with (x P) = the pair partner with sign: x' = x cos + (x P) sin is the
     * runtime's rotation. Angles as the runtime computes them: pos * invFreq in double, then float.
     */
    private NDArray[] rope(long t, NDManager m) {
        int hd = config.headDim(), half = hd / 2;
        boolean interleaved = config.rope() == LlamaConfig.RopeStyle.INTERLEAVED;
        float[] cos = new float[(int) t * hd], sin = new float[(int) t * hd], p = new float[hd * hd];
        for (int pos = 0; pos < t; pos++) {
            for (int i = 0; i < half; i++) {
                double angle = pos * (double) invFreq[i];
                float co = (float) Math.cos(angle), si = (float) Math.sin(angle);
                int a = interleaved ? 2 * i : i, bIdx = interleaved ? 2 * i + 1 : i + half;
                cos[pos * hd + a] = co;
                cos[pos * hd + bIdx] = co;
                sin[pos * hd + a] = si;
                sin[pos * hd + bIdx] = si;
            }
        }
        for (int i = 0; i < half; i++) {
            int a = interleaved ? 2 * i : i, bIdx = interleaved ? 2 * i + 1 : i + half;
            p[bIdx * hd + a] = -1f; // x'[a] = x[a] cos - x[b] sin
            p[a * hd + bIdx] = 1f;  // x'[b] = x[b] cos + x[a] sin
        }
        return new NDArray[] {m.create(cos, new Shape(t, hd)), m.create(sin, new Shape(t, hd)),
                m.create(p, new Shape(hd, hd))};
    }

    private static NDArray rotate(NDArray x, NDArray[] rope) {
        return x.mul(rope[0]).add(x.matMul(rope[2]).mul(rope[1]));
    }
}
