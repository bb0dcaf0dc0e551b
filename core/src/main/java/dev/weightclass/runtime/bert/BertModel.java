package dev.weightclass.runtime.bert;

import dev.weightclass.WeightclassException;
import dev.weightclass.format.ModelFile;
import dev.weightclass.format.ModelFormat;
import dev.weightclass.format.onnx.OnnxFile;

import java.io.IOException;
import java.util.List;

/**
 * A BERT-family sentence encoder (BERT, MiniLM) running on the CPU from the model file: ONNX
 * (float32, or int8 dynamic-quantized with MatMulInteger) or safetensors + config.json.
 * <pre>
 *   x = LayerNorm(word[id] + type[t] + position[p])                       [tokens, H]
 *   per layer:  a = Attention(x Wq + bq, x Wk + bk, x Wv + bv) Wo + bo
 *               x = LayerNorm(x + a)
 *               x = LayerNorm(x + GELU(x Wup + bup) Wdown + bdown)       GELU with erf
 *   embedding   = normalize(mean of x over the sentence's tokens)         [H]
 * </pre>
 * A batch is packed without padding: every sentence's tokens are consecutive rows, the dense
 * layers run over all rows at once and attention runs per sentence and head. Tokens whose
 * attention-mask value is 0 are left out, which is what the mask means: no other token attends to
 * them and pooling ignores them. Thread-safe: each call has its own buffers.
 */
public final class BertModel implements AutoCloseable {
    private final BertWeights w;
    private final BertConfig c;
    private final BertKernels kernels;
    private final Parallel parallel;

    BertModel(BertWeights weights, BertKernels kernels, int threads) {
        this.w = weights;
        this.c = weights.config();
        this.kernels = kernels;
        this.parallel = new Parallel(threads);
    }

    /** The encoder in {@code file} (kept open by the caller while the model is used), Vector API kernels. */
    public static BertModel load(ModelFile file, int threads) throws IOException {
        return new BertModel(weights(file), BertKernels.vector(), threads);
    }

    /** True when the file holds a BERT-family encoder this runtime can run. */
    public static boolean isEncoder(ModelFile file) {
        String arch = file.hyperparameters().architecture();
        return ("bert".equals(arch) || "roberta".equals(arch))
                && (file.format() == ModelFormat.ONNX || file.format() == ModelFormat.SAFETENSORS);
    }

    static BertWeights weights(ModelFile file) throws IOException {
        return switch (file.format()) {
            case ONNX -> OnnxBertMapping.map((OnnxFile) file);
            case SAFETENSORS -> HfBertMapping.map(file);
            default -> throw new WeightclassException(file.path() + ": the encoder runs ONNX and safetensors BERT models, not "
                    + file.format());
        };
    }

    public BertConfig config() { return c; }

    /** "f32" or "int8": what the dense layers compute on. */
    public String weightKind() { return w.kind(); }

    public int threads() { return parallel.threads(); }

    /** L2-normalised mean-pooled embeddings, one per sentence; token types 0, every token attended. */
    public float[][] embed(List<int[]> sentences) {
        return pool(forward(sentences, null, null));
    }

    /**
     * The final hidden states of a batch.
     *
     * @param ids   token ids per sentence
     * @param types token-type ids per sentence (null: all 0)
     * @param masks attention mask per sentence (null: all 1); tokens with 0 are dropped
     */
    public Hidden forward(List<int[]> ids, List<int[]> types, List<int[]> masks) {
        int b = ids.size();
        int[] starts = new int[b + 1];
        for (int s = 0; s < b; s++) {
            int[] t = ids.get(s);
            if (t.length > c.maxPositions()) {
                throw new WeightclassException("sentence " + s + " has " + t.length + " tokens; the model takes at most "
                        + c.maxPositions() + " (its position table)");
            }
            int kept = 0;
            for (int i = 0; i < t.length; i++) if (masks == null || masks.get(s)[i] != 0) kept++;
            starts[s + 1] = starts[s] + kept;
        }
        int rows = starts[b], h = c.hidden();
        float[] x = new float[rows * h];                  // [rows, H]
        float[] tmp = new float[h];
        for (int s = 0, r = 0; s < b; s++) {
            int[] t = ids.get(s);
            for (int i = 0; i < t.length; i++) {
                if (masks != null && masks.get(s)[i] == 0) continue;
                if (t[i] < 0 || t[i] >= c.vocabSize()) {
                    throw new WeightclassException("token id " + t[i] + " is outside the vocabulary of " + c.vocabSize());
                }
                int o = r * h;
                w.word().row(t[i], x, o);
                if (w.type() != null) {
                    w.type().row(types == null ? 0 : types.get(s)[i], tmp, 0);
                    for (int j = 0; j < h; j++) x[o + j] += tmp[j];
                }
                w.position().row(i, tmp, 0);
                for (int j = 0; j < h; j++) x[o + j] += tmp[j];
                r++;
            }
        }
        w.embeddingNorm().apply(x, rows, kernels, parallel);

        Scratch ws = scratch.get();
        int f = c.intermediate();
        float[] q = ws.get(0, rows * h), k = ws.get(1, rows * h), v = ws.get(2, rows * h);     // [rows, H]
        float[] ctx = ws.get(3, rows * h), a = ws.get(4, rows * h);
        float[] up = ws.get(5, rows * f);                                                 // [rows, F]
        float[] quantized = ws.get(6, rows * Math.max(h, f));
        float divisor = (float) Math.sqrt(c.headDim());          // the exported graph divides the scores by it
        for (BertWeights.Layer l : w.layers()) {
            LinearInput in = new LinearInput(x, starts, b, h, quantized);
            l.query().forward(in, q, kernels, parallel);
            l.key().forward(in, k, kernels, parallel);
            l.value().forward(in, v, kernels, parallel);
            int heads = c.heads(), hd = c.headDim();
            parallel.split(b * heads, 1, (from, to) -> {       // one task per (sentence, head)
                for (int j = from; j < to; j++) {
                    int s = j / heads, head = j % heads;
                    kernels.attention(q, k, v, ctx, h, starts[s], starts[s + 1] - starts[s], head * hd, hd, divisor);
                }
            });
            l.attentionOut().forward(new LinearInput(ctx, starts, b, h, quantized), a, kernels, parallel);
            l.attentionNorm().applyAfterAdding(a, x, rows, kernels, parallel);
            l.up().forward(new LinearInput(x, starts, b, h, quantized), up, kernels, parallel);
            parallel.split(rows * f, 1024, (from, to) -> kernels.gelu(up, from, to));
            l.down().forward(new LinearInput(up, starts, b, f, quantized), a, kernels, parallel);
            l.outputNorm().applyAfterAdding(a, x, rows, kernels, parallel);
        }
        return new Hidden(x, starts, h);
    }

    /**
     * Buffers each forward pass takes over from the last on the same thread (longer than needed is
     * fine: every loop is bounded by the row count): fresh arrays would cost zeroing and, on a
     * heap that has grown, page faults.
     */
    private static final class Scratch {
        private final float[][] slots = new float[7][0];

        float[] get(int slot, int size) {
            if (slots[slot].length < size) slots[slot] = new float[size];
            return slots[slot];
        }
    }

    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

    /**
     * Hidden states of a packed batch.
     *
     * @param states [rows, width]; sentence s is rows [starts[s], starts[s+1])
     */
    public record Hidden(float[] states, int[] starts, int width) {
        public int sentences() { return starts.length - 1; }
    }

    /** Mean over each sentence's rows, then L2 normalisation. */
    public static float[][] pool(Hidden hs) {
        float[][] out = new float[hs.sentences()][hs.width()];
        for (int s = 0; s < hs.sentences(); s++) {
            int n = hs.starts()[s + 1] - hs.starts()[s];
            double[] sum = new double[hs.width()];
            for (int r = hs.starts()[s]; r < hs.starts()[s + 1]; r++) {
                for (int j = 0; j < hs.width(); j++) sum[j] += hs.states()[r * hs.width() + j];
            }
            double norm = 0;
            for (int j = 0; j < sum.length; j++) {
                sum[j] /= Math.max(1, n);
                norm += sum[j] * sum[j];
            }
            double inv = 1 / Math.max(Math.sqrt(norm), 1e-12);
            for (int j = 0; j < sum.length; j++) out[s][j] = (float) (sum[j] * inv);
        }
        return out;
    }

    @Override
    public void close() {
        parallel.close();
    }
}
