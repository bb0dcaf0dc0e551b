package dev.weightclass.runtime;

import dev.weightclass.WeightclassException;
import dev.weightclass.format.ModelFile;

import java.util.Arrays;

/**
 * A llama-family decoder (llama, mistral, qwen2, gemma) running on stored weights.
 * <pre>
 *   x = embed(token) * embedScale                                   [dim]
 *   for each layer:
 *     h = rmsnorm(x) * attnNorm
 *     q, k, v = Wq h + bq, Wk h + bk, Wv h + bv                     [heads*hd], [kvHeads*hd] x2
 *     q, k = rope(q, pos), rope(k, pos)
 *     a = softmax(q k_t^T / sqrt(hd)) v_t   over cached t <= pos    [heads*hd]  (kv head = head / group)
 *     x = x + Wo a
 *     h = rmsnorm(x) * ffnNorm
 *     x = x + Wdown (act(Wgate h) * Wup h)                          act = silu (SwiGLU) or gelu (GeGLU)
 *   logits = Wout rmsnorm(x) * outNorm                              [vocab]
 * </pre>
 * A batch of tokens runs through every matrix together (prompt processing), one token at a time is
 * generation. Not thread-safe per {@link Session}; the kernels parallelise inside each product.
 */
public final class LlamaModel implements AutoCloseable {
    private final LlamaConfig config;
    private final LlamaWeights weights;
    private final Kernels kernels;
    private final ModelFile owned;
    private final float[] invFreq;
    private volatile LinearInputHook hook;
    private volatile LinearAdapter adapter;

    private LlamaModel(LlamaConfig config, LlamaWeights weights, Kernels kernels, ModelFile owned) {
        this.config = config;
        this.weights = weights;
        this.kernels = kernels;
        this.owned = owned;
        int half = config.headDim() / 2;
        invFreq = new float[half];
        for (int i = 0; i < half; i++) invFreq[i] = (float) Math.pow(config.ropeTheta(), -2.0 * i / config.headDim());
    }

    /** A model over an opened file; the caller keeps ownership of the file and the kernels. */
    public static LlamaModel of(ModelFile model, Kernels kernels) {
        LlamaConfig c = LlamaConfig.of(model);
        return new LlamaModel(c, LlamaWeights.load(model, c).preparedFor(kernels), kernels, null);
    }

    /** Like {@link #of} but closes {@code model} when this is closed. */
    public static LlamaModel owning(ModelFile model, Kernels kernels) {
        try {
            LlamaConfig c = LlamaConfig.of(model);
            return new LlamaModel(c, LlamaWeights.load(model, c).preparedFor(kernels), kernels, model);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    public LlamaConfig config() { return config; }

    public LlamaWeights weights() { return weights; }

    public Kernels kernels() { return kernels; }

    /** Installs (or with null removes) the hook that sees every linear layer's input. */
    public void setLinearInputHook(LinearInputHook hook) { this.hook = hook; }

    /** Installs (or with null removes) a correction added to linear layers' outputs (LoRA applied unmerged). */
    public void setLinearAdapter(LinearAdapter adapter) { this.adapter = adapter; }

    /** A fresh sequence with room for {@code contextLength} tokens of keys and values. */
    public Session newSession(int contextLength) {
        if (contextLength <= 0) throw new WeightclassException("context length must be positive, got " + contextLength);
        return new Session(contextLength);
    }

    /**
     * One sequence: its KV cache and how many tokens it holds. Keys and values are stored as F16
     * (half the memory of F32, and llama.cpp's default cache type, so figures compare).
     */
    public final class Session {
        final int capacity;
        final short[][] keys, values;   // [layer][position * kvDim + kvHead * hd + i], IEEE half bits
        int length;
        Buffers buffers;

        Session(int capacity) {
            this.capacity = capacity;
            long size = (long) capacity * config.kvDim();
            if (size > Integer.MAX_VALUE - 8) {
                throw new WeightclassException("a context of " + capacity + " tokens needs a KV cache row of " + size
                        + " values per layer, more than one Java array holds");
            }
            keys = new short[config.layers()][(int) size];
            values = new short[config.layers()][(int) size];
        }

        /** Tokens in the cache (the next token's position). */
        public int length() { return length; }

        public int capacity() { return capacity; }

        /** Forgets every token (the cache is reused). */
        public void reset() { length = 0; }

        /** Drops tokens after the first {@code n}. */
        public void truncate(int n) {
            if (n < 0 || n > length) throw new IllegalArgumentException("truncate to " + n + " of " + length);
            length = n;
        }

        Buffers buffers(int n) {
            if (buffers == null || buffers.n < n) buffers = new Buffers(n);
            return buffers;
        }
    }

    /** Activations for a batch of n tokens, reused between calls. */
    final class Buffers {
        final int n;
        final float[][] x, h, q, k, v, att, gate, up;

        Buffers(int n) {
            this.n = n;
            LlamaConfig c = config;
            x = new float[n][c.dim()];
            h = new float[n][Math.max(c.dim(), c.qDim())];
            q = new float[n][c.qDim()];
            k = new float[n][c.kvDim()];
            v = new float[n][c.kvDim()];
            att = new float[n][c.qDim()];
            gate = new float[n][c.ffnDim()];
            up = new float[n][c.ffnDim()];
        }
    }

    /** Receives the logits of token {@code index} of a batch; the array is reused after the call. */
    @FunctionalInterface
    public interface LogitsConsumer {
        void accept(int index, float[] logits);
    }

    /** Runs one token and returns its next-token logits. */
    public float[] next(Session s, int token) {
        return forward(s, new int[] {token}, 0, 1, false)[0];
    }

    /**
     * Appends {@code tokens[from..from+n)} to the sequence, running them as one batch.
     *
     * @param allLogits true: logits for every token ([n][vocab]); false: only for the last ([1][vocab])
     */
    public float[][] forward(Session s, int[] tokens, int from, int n, boolean allLogits) {
        int first = allLogits ? 0 : n - 1;
        float[][] out = new float[n - first][];
        forward(s, tokens, from, n, first, (i, l) -> out[i - first] = l.clone());
        return out;
    }

    /**
     * Appends {@code tokens[from..from+n)} to the sequence as one batch and hands the logits of the
     * batch's tokens {@code logitsFrom..n-1} to {@code consumer}, in order, a few at a time (so a large
     * vocabulary times a long batch never sits in memory at once).
     */
    public void forward(Session s, int[] tokens, int from, int n, int logitsFrom, LogitsConsumer consumer) {
        LlamaConfig c = config;
        if (n <= 0) throw new IllegalArgumentException("no tokens");
        if (s.length + n > s.capacity) {
            throw new WeightclassException("the sequence would hold " + (s.length + n) + " tokens, more than its context of "
                    + s.capacity);
        }
        Buffers b = s.buffers(n);
        int pos0 = s.length;
        for (int i = 0; i < n; i++) {
            int t = tokens[from + i];
            if (t < 0 || t >= c.vocabSize()) {
                throw new WeightclassException("token id " + t + " is outside the vocabulary (0.." + (c.vocabSize() - 1) + ")");
            }
            WeightMatrix e = weights.tokenEmbedding;
            if (e.palette() != null) Palette.decode(e, t, b.x[i], 0);
            else kernels.row(e, t, b.x[i], 0);
            if (c.embedScale() != 1f) scale(b.x[i], c.dim(), c.embedScale());
        }
        for (int l = 0; l < c.layers(); l++) layer(l, s, b, pos0, n);
        s.length += n;

        // logits = Wout rmsnorm(x), LOGIT_BLOCK tokens at a time
        int block = Math.min(LOGIT_BLOCK, Math.max(1, n - logitsFrom));
        float[][] in = new float[block][];
        float[][] logits = new float[block][c.vocabSize()];
        for (int i0 = Math.max(0, logitsFrom); i0 < n; i0 += block) {
            int m = Math.min(block, n - i0);
            for (int i = 0; i < m; i++) {
                rmsnorm(b.x[i0 + i], weights.outputNorm, b.h[i0 + i]);
                in[i] = b.h[i0 + i];
            }
            linear(-1, weights.output, in, logits, m);
            for (int i = 0; i < m; i++) consumer.accept(i0 + i, logits[i]);
        }
    }

    private static final int LOGIT_BLOCK = 32;

    private void layer(int l, Session s, Buffers b, int pos0, int n) {
        LlamaConfig c = config;
        LlamaWeights.Layer w = weights.layers.get(l);
        int hd = c.headDim(), kvDim = c.kvDim();

        // attention block
        for (int i = 0; i < n; i++) rmsnorm(b.x[i], w.attnNorm(), b.h[i]);
        linear(l, w.wq(), b.h, b.q, n);
        linear(l, w.wk(), b.h, b.k, n);
        linear(l, w.wv(), b.h, b.v, n);
        short[] kc = s.keys[l], vc = s.values[l];
        for (int i = 0; i < n; i++) {
            if (w.bq() != null) add(b.q[i], w.bq());
            if (w.bk() != null) add(b.k[i], w.bk());
            if (w.bv() != null) add(b.v[i], w.bv());
            int pos = pos0 + i;
            if (kernels.llamaCppOrder()) {
                ropeExact(b.q[i], c.heads(), pos);
                ropeExact(b.k[i], c.kvHeads(), pos);
            } else {
                rope(b.q[i], c.heads(), pos);
                rope(b.k[i], c.kvHeads(), pos);
            }
            toHalf(b.k[i], kc, pos * kvDim, kvDim);
            toHalf(b.v[i], vc, pos * kvDim, kvDim);
        }
        if (kernels.llamaCppOrder()) attentionExact(kc, vc, b, pos0, n);
        else attention(kc, vc, b, pos0, n);
        linear(l, w.wo(), b.att, b.h, n);
        for (int i = 0; i < n; i++) add(b.x[i], b.h[i]);

        // feed-forward block
        for (int i = 0; i < n; i++) rmsnorm(b.x[i], w.ffnNorm(), b.h[i]);
        linear(l, w.gate(), b.h, b.gate, n);
        linear(l, w.up(), b.h, b.up, n);
        for (int i = 0; i < n; i++) glu(b.gate[i], b.up[i], c.ffnDim());
        linear(l, w.down(), b.gate, b.h, n);
        for (int i = 0; i < n; i++) add(b.x[i], b.h[i]);
    }

    private void linear(int layer, WeightMatrix w, float[][] in, float[][] out, int n) {
        LinearInputHook hk = hook;
        if (hk != null) hk.onInput(layer, w, in, n);
        // Palettized weights (docs/SHARING.md) expand row by row through their table; the rest go to the kernels.
        if (w.palette() != null) Palette.matmul(kernels, w, in, out, n);
        else kernels.matmul(w, in, out, n);
        LinearAdapter ad = adapter;
        if (ad != null) ad.addTo(layer, w, in, out, n);
    }

    /** {@code dst[off..off+n)} = src[0..n) rounded to half precision (round to nearest even, as ggml stores an F16 cache). */
    private static void toHalf(float[] src, short[] dst, int off, int n) {
        for (int i = 0; i < n; i++) dst[off + i] = Float.floatToFloat16(src[i]);
    }

    /** Scores of one attention task, per kernel thread (no allocation per token). */
    private final ThreadLocal<float[]> scores = ThreadLocal.withInitial(() -> new float[0]);

    /**
     * Causal attention of tokens pos0..pos0+n-1 over the F16 cache, one task per (token, head):
     * F32 query times F16 keys, softmax in F32, F16 values accumulated in F32 (what llama.cpp's CPU
     * flash attention does for a batch of queries).
     */
    private void attention(short[] kc, short[] vc, Buffers b, int pos0, int n) {
        LlamaConfig c = config;
        int heads = c.heads(), hd = c.headDim(), kvDim = c.kvDim(), group = heads / c.kvHeads();
        float scale = (float) (1.0 / Math.sqrt(hd));
        int window = c.slidingWindow();
        kernels.parallelFor(n * heads, Math.max(1, 16384 / ((pos0 + n) * hd)), (j0, j1) -> {
            float[] score = scores.get();
            if (score.length < pos0 + n) scores.set(score = new float[pos0 + n]);
            for (int j = j0; j < j1; j++) {
                int i = j / heads, h = j % heads, pos = pos0 + i;
                int kvOff = (h / group) * hd;
                int start = window > 0 ? Math.max(0, pos - window + 1) : 0;
                float[] q = b.q[i];
                float max = Float.NEGATIVE_INFINITY;
                for (int t = start; t <= pos; t++) {
                    float sc = kernels.dotF16(q, h * hd, kc, t * kvDim + kvOff, hd) * scale;
                    score[t] = sc;
                    if (sc > max) max = sc;
                }
                float sum = 0;
                for (int t = start; t <= pos; t++) {
                    float e = (float) Math.exp(score[t] - max);
                    score[t] = e;
                    sum += e;
                }
                float[] out = b.att[i];
                Arrays.fill(out, h * hd, h * hd + hd, 0f);
                float inv = 1f / sum;
                for (int t = start; t <= pos; t++) kernels.axpyF16(score[t] * inv, vc, t * kvDim + kvOff, out, h * hd, hd);
            }
        });
    }

    private final ThreadLocal<LlamaCppOrder.AttentionScratch> exactScratch =
            ThreadLocal.withInitial(LlamaCppOrder.AttentionScratch::new);

    /** {@link #attention} in ggml's tiled flash-attention order ({@link LlamaCppOrder#attend}). */
    private void attentionExact(short[] kc, short[] vc, Buffers b, int pos0, int n) {
        LlamaConfig c = config;
        int heads = c.heads(), hd = c.headDim(), kvDim = c.kvDim(), group = heads / c.kvHeads();
        float scale = 1f / (float) Math.sqrt(hd);   // llama.cpp's kq_scale, in float
        int window = c.slidingWindow();
        kernels.parallelFor(n * heads, Math.max(1, 16384 / ((pos0 + n) * hd)), (j0, j1) -> {
            LlamaCppOrder.AttentionScratch sc = exactScratch.get();
            for (int j = j0; j < j1; j++) {
                int i = j / heads, h = j % heads, pos = pos0 + i;
                int start = window > 0 ? Math.max(0, pos - window + 1) : 0;
                LlamaCppOrder.attend(b.q[i], h * hd, kc, vc, (h / group) * hd, kvDim, hd, start, pos, scale, b.att[i], h * hd, sc);
            }
        });
    }

    /** {@link #rope} with ggml's angles (float theta stepped by a float ratio, cos/sin of that float). */
    private void ropeExact(float[] v, int nHeads, int pos) {
        int hd = config.headDim(), half = hd / 2;
        boolean interleaved = config.rope() == LlamaConfig.RopeStyle.INTERLEAVED;
        float[] cos = new float[half], sin = new float[half];
        LlamaCppOrder.ropeCache(pos, hd, config.ropeTheta(), cos, sin);
        for (int i = 0; i < half; i++) {
            for (int h = 0; h < nHeads; h++) {
                int a = h * hd + (interleaved ? 2 * i : i);
                int bIdx = a + (interleaved ? 1 : half);
                float x0 = v[a], x1 = v[bIdx];
                // x0*cos - x1*sin and x0*sin + x1*cos with the first product fused (compiled with FMA contraction)
                v[a] = Math.fma(x0, cos[i], -(x1 * sin[i]));
                v[bIdx] = Math.fma(x0, sin[i], x1 * cos[i]);
            }
        }
    }

    /** Rotates each head's pairs by pos * invFreq[i]. */
    private void rope(float[] v, int nHeads, int pos) {
        int hd = config.headDim(), half = hd / 2;
        boolean interleaved = config.rope() == LlamaConfig.RopeStyle.INTERLEAVED;
        for (int i = 0; i < half; i++) {
            double angle = pos * (double) invFreq[i];
            float cos = (float) Math.cos(angle), sin = (float) Math.sin(angle);
            for (int h = 0; h < nHeads; h++) {
                int a = h * hd + (interleaved ? 2 * i : i);
                int bIdx = a + (interleaved ? 1 : half);
                float x0 = v[a], x1 = v[bIdx];
                v[a] = x0 * cos - x1 * sin;
                v[bIdx] = x0 * sin + x1 * cos;
            }
        }
    }

    /** out = x / sqrt(mean(x^2) + eps) * (w + normOffset). */
    private void rmsnorm(float[] x, float[] w, float[] out) {
        int dim = config.dim();
        if (kernels.llamaCppOrder()) {
            LlamaCppOrder.rmsnorm(x, dim, config.rmsEps(), w, config.normOffset(), out);
            return;
        }
        double ss = 0;
        for (int i = 0; i < dim; i++) ss += (double) x[i] * x[i];
        float inv = (float) (1.0 / Math.sqrt(ss / dim + config.rmsEps()));
        float off = config.normOffset();
        for (int i = 0; i < dim; i++) out[i] = x[i] * inv * (w[i] + off);
    }

    /** gate = act(gate) * up, in place. */
    private void glu(float[] gate, float[] up, int n) {
        if (config.activation() == LlamaConfig.Activation.SILU && kernels.llamaCppOrder()) {
            LlamaCppOrder.swiglu(gate, up, n);
        } else if (config.activation() == LlamaConfig.Activation.SILU) {
            for (int i = 0; i < n; i++) {
                float g = gate[i];
                gate[i] = g / (1f + (float) Math.exp(-g)) * up[i];
            }
        } else {
            for (int i = 0; i < n; i++) {
                float g = gate[i];
                gate[i] = (float) (0.5 * g * (1 + Math.tanh(0.7978845608028654 * (g + 0.044715 * g * g * g)))) * up[i];
            }
        }
    }

    private static void add(float[] y, float[] x) {
        for (int i = 0; i < x.length && i < y.length; i++) y[i] += x[i];
    }

    private static void scale(float[] x, int n, float s) {
        for (int i = 0; i < n; i++) x[i] *= s;
    }

    @Override
    public void close() {
        if (owned != null) owned.close();
    }
}
