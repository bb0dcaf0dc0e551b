package dev.weightclass.distill.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import dev.weightclass.WeightclassException;
import dev.weightclass.distill.ScratchInit;
import dev.weightclass.distill.Slicing;
import dev.weightclass.distill.train.Param;
import dev.weightclass.distill.train.Torch;
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

    /** The shape of this model: the teacher's config with fewer blocks and possibly narrower widths. */
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
        return fromTeacher(teacher, w, LlamaSlice.blocks(layers, ffnUnits), trainable, m);
    }

    /** A model initialised from the teacher's weights as {@code s} says (blocks, channels, heads, FFN units, init). */
    public static TorchLlama fromTeacher(LlamaConfig teacher, LlamaWeights w, LlamaSlice s, boolean trainable, NDManager m) {
        LlamaConfig c = s.config(teacher);
        int[] ch = s.channels();
        try (Kernels k = Kernels.scalar(1)) {
            Init in = new Init(k, m, trainable, s.scratch());
            NDArray embd = in.matrix("token_embd.weight", w.tokenEmbedding, null, ch);
            List<Block> blocks = new ArrayList<>();
            for (int i = 0; i < s.layers().length; i++) {
                LlamaWeights.Layer l = w.layers.get(s.layers()[i]);
                int[] q = s.queryRows(teacher, i), kv = s.kvRows(teacher, i), units = s.ffn(i);
                String n = "blk." + i + ".";
                blocks.add(new Block(in.vector(n + "attn_norm.weight", l.attnNorm(), ch),
                        in.matrix(n + "attn_q.weight", l.wq(), q, ch), in.matrix(n + "attn_k.weight", l.wk(), kv, ch),
                        in.matrix(n + "attn_v.weight", l.wv(), kv, ch), in.matrix(n + "attn_output.weight", l.wo(), ch, q),
                        in.vector(n + "ffn_norm.weight", l.ffnNorm(), ch),
                        in.matrix(n + "ffn_gate.weight", l.gate(), units, ch), in.matrix(n + "ffn_up.weight", l.up(), units, ch),
                        in.matrix(n + "ffn_down.weight", l.down(), ch, units)));
            }
            NDArray outNorm = in.vector("output_norm.weight", w.outputNorm, ch);
            NDArray out = w.tied() ? embd : in.matrix("output.weight", w.output, null, ch);
            return new TorchLlama(c, embd, blocks, outNorm, out);
        }
    }

    /**
     * Creates the student's tensors: the teacher's values with rows and columns left out, or, for a
     * narrowed tensor under {@code --init scratch}, {@link ScratchInit}'s.
     */
    private record Init(Kernels k, NDManager m, boolean grad, ScratchInit scratch) {

        /** The stored matrix as floats, keeping only rows {@code rows} and columns {@code cols} when given. */
        NDArray matrix(String name, WeightMatrix w, int[] rows, int[] cols) {
            int nr = rows == null ? w.rows() : rows.length, nc = cols == null ? w.cols() : cols.length;
            float[] out;
            if (scratch != null && (rows != null || cols != null)) {
                out = scratch.normal(name, nr * nc);
            } else {
                float[] row = new float[w.cols()];
                out = new float[nr * nc];
                for (int r = 0; r < nr; r++) {
                    k.row(w, rows == null ? r : rows[r], row, 0);
                    if (cols == null) System.arraycopy(row, 0, out, r * nc, nc);
                    else for (int j = 0; j < nc; j++) out[r * nc + j] = row[cols[j]];
                }
            }
            return create(out, new Shape(nr, nc));
        }

        /** A norm's weight, keeping entries {@code keep} when given (1 under --init scratch). */
        NDArray vector(String name, float[] v, int[] keep) {
            float[] out = keep == null ? v.clone()
                    : scratch != null ? ScratchInit.constant(keep.length, 1f) : Slicing.slice(v, v.length, 1, keep, null);
            return create(out, new Shape(out.length));
        }

        private NDArray create(float[] values, Shape shape) {
            NDArray a = m.create(values, shape);
            if (grad) a.setRequiresGradient(true);
            return a;
        }
    }

    public LlamaConfig config() { return config; }

    /**
     * This model over a subset of the vocabulary: embedding and classifier rows {@code keep}
     * (token i of the result is token {@code keep[i]} here), the blocks shared. For a teacher
     * this gives its logits restricted to the kept tokens, whose softmax is the teacher's
     * distribution renormalised over them. The full-vocabulary rows are released.
     */
    public TorchLlama withVocabulary(int[] keep, boolean trainable, NDManager m) {
        LlamaConfig sub = withVocabSize(config, keep.length);
        NDArray embd = rows(tokEmbd, keep, m, trainable);
        NDArray out = tied() ? embd : rows(output, keep, m, trainable);
        if (!tied()) output.close();
        tokEmbd.close();
        TorchLlama t = new TorchLlama(sub, embd, blocks, outNorm, out);
        t.halfKv = halfKv;
        return t;
    }

    /** {@code c} with another vocabulary size. */
    public static LlamaConfig withVocabSize(LlamaConfig c, int vocab) {
        return new LlamaConfig(c.architecture(), c.dim(), c.layers(), c.heads(), c.kvHeads(), c.headDim(), c.ffnDim(),
                vocab, c.contextLength(), c.rmsEps(), c.ropeTheta(), c.rope(), c.slidingWindow(), c.activation(),
                c.embedScale(), c.normOffset());
    }

    private static NDArray rows(NDArray a, int[] keep, NDManager m, boolean grad) {
        int cols = (int) a.getShape().get(1);
        float[] all = a.toFloatArray(), out = new float[keep.length * cols];
        for (int i = 0; i < keep.length; i++) System.arraycopy(all, keep[i] * cols, out, i * cols, cols);
        NDArray r = m.create(out, new Shape(keep.length, cols));
        if (grad) r.setRequiresGradient(true);
        return r;
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
            NDArray p = q.matMul(kk.transpose(0, 1, 3, 2)).mul(Torch.scalar(q, scale)).add(mask).softmax(-1); // [B, H, T, T]
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
        return x.div(ms.add(Torch.scalar(ms, config.rmsEps())).sqrt()).mul(w);
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
