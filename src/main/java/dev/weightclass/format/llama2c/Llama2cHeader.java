package dev.weightclass.format.llama2c;

import dev.weightclass.format.Hyperparameters;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The seven int32 values that open a legacy (version 0) llama2.c checkpoint, and the tensor
 * layout they imply. A negative {@code vocabSize} means the checkpoint stores a separate
 * classifier {@code wcls} after the weights; a positive one means the classifier is the token
 * embedding.
 */
public record Llama2cHeader(int dim, int hiddenDim, int layers, int heads, int kvHeads, int vocabSize, int seqLen) {

    /** Bytes of the header. */
    public static final int BYTES = 28;

    static final String[] FIELDS = {"dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"};

    public static Llama2cHeader of(int[] v) {
        return new Llama2cHeader(v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
    }

    int[] values() { return new int[] {dim, hiddenDim, layers, heads, kvHeads, vocabSize, seqLen}; }

    /** True when the classifier is the token embedding (positive vocab_size). */
    public boolean sharedClassifier() { return vocabSize > 0; }

    public int vocab() { return Math.abs(vocabSize); }

    public int headSize() { return dim / heads; }

    public int kvDim() { return kvHeads * headSize(); }

    /**
     * The first problem with these values, or null when they describe a model: which field and
     * why. The bounds are far above any llama2.c model yet exclude the first bytes of other
     * formats (zip, GGML magics, float data, tokenizer files).
     */
    public String problem() {
        if (dim < 1 || dim > (1 << 16)) return "dim " + dim + " is not in 1.." + (1 << 16);
        if (hiddenDim < 1 || hiddenDim > (1 << 20)) return "hidden_dim " + hiddenDim + " is not in 1.." + (1 << 20);
        if (layers < 1 || layers > 1024) return "n_layers " + layers + " is not in 1..1024";
        if (heads < 1 || heads > dim) return "n_heads " + heads + " is not in 1..dim (" + dim + ")";
        if (dim % heads != 0) return "n_heads " + heads + " does not divide dim " + dim;
        if (kvHeads < 1 || kvHeads > heads || heads % kvHeads != 0) {
            return "n_kv_heads " + kvHeads + " does not divide n_heads " + heads;
        }
        if (vocabSize == 0 || vocabSize == Integer.MIN_VALUE || vocab() > (1 << 24)) {
            return "vocab_size " + vocabSize + " is not in 1.." + (1 << 24) + " (negative: separate classifier)";
        }
        if (seqLen < 1 || seqLen > (1 << 24)) return "seq_len " + seqLen + " is not in 1.." + (1 << 24);
        return null;
    }

    /** Index of the field {@link #problem()} is about. */
    int problemField() {
        String p = problem();
        if (p == null) return -1;
        for (int i = 0; i < FIELDS.length; i++) if (p.startsWith(FIELDS[i] + " ")) return i;
        return 0;
    }

    /** One stored array: its name, shape (outermost first) and absolute offset. */
    public record Slot(String name, long[] shape, long offset) {
        public long elements() {
            long n = 1;
            for (long d : shape) n = Math.multiplyExact(n, d);
            return n;
        }

        public long byteSize() { return Math.multiplyExact(elements(), 4L); }

        public long end() { return offset + byteSize(); }

        /** Rotary tables are stored but are not parameters. */
        public boolean isParameter() { return !name.startsWith("freq_cis"); }
    }

    /**
     * Every f32 array in file order, per-layer arrays split into one slot per layer
     * ({@code layers.3.wq}). Throws ArithmeticException when the sizes overflow.
     */
    public List<Slot> layout() {
        long d = dim, h = hiddenDim, kv = kvDim(), v = vocab();
        List<Slot> out = new ArrayList<>();
        long[] at = {BYTES};
        add(out, at, "token_embedding_table", v, d);
        perLayer(out, at, "rms_att_weight", d);
        perLayer(out, at, "wq", d, d);
        perLayer(out, at, "wk", kv, d);
        perLayer(out, at, "wv", kv, d);
        perLayer(out, at, "wo", d, d);
        perLayer(out, at, "rms_ffn_weight", d);
        perLayer(out, at, "w1", h, d);
        perLayer(out, at, "w2", d, h);
        perLayer(out, at, "w3", h, d);
        add(out, at, "rms_final_weight", d);
        // run.c skips seq_len * head_size / 2 floats twice (the real and imaginary RoPE tables).
        long half = Math.multiplyExact((long) seqLen, headSize()) / 2;
        add(out, at, "freq_cis_real", half);
        add(out, at, "freq_cis_imag", half);
        if (!sharedClassifier()) add(out, at, "wcls", v, d);
        return out;
    }

    /** File size this header implies. */
    public long fileSize() {
        List<Slot> l = layout();
        return l.getLast().end();
    }

    private void perLayer(List<Slot> out, long[] at, String name, long... shape) {
        for (int i = 0; i < layers; i++) add(out, at, "layers." + i + "." + name, shape);
    }

    private static void add(List<Slot> out, long[] at, String name, long... shape) {
        Slot s = new Slot(name, shape, at[0]);
        at[0] = Math.addExact(at[0], s.byteSize());
        out.add(s);
    }

    public Hyperparameters hyperparameters() {
        return new Hyperparameters("llama", layers, dim, heads, kvHeads, headSize(), hiddenDim, vocab(), seqLen,
                sharedClassifier());
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "dim %d, hidden_dim %d, n_layers %d, n_heads %d, n_kv_heads %d, vocab_size %d (%s), seq_len %d",
                dim, hiddenDim, layers, heads, kvHeads, vocabSize,
                sharedClassifier() ? "shared classifier" : "separate classifier", seqLen);
    }
}
