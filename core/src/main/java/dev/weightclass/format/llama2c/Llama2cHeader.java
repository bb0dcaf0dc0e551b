package dev.weightclass.format.llama2c;

import dev.weightclass.format.Hyperparameters;
import dev.weightclass.tensor.TensorType;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The hyperparameters that open a llama2.c checkpoint, and the tensor layout they imply.
 *
 * <p>Version 0 (the legacy export run.c reads): seven int32 values, a negative {@code vocabSize}
 * meaning a separate classifier {@code wcls} is stored after the weights. Versions 1 and 2 (the
 * newer export): a 256-byte header of magic "ak42", version, the seven values, a shared-classifier
 * flag byte and, for version 2, the int32 group size of its int8 weights (one f32 scale per group).
 */
public record Llama2cHeader(int version, int dim, int hiddenDim, int layers, int heads, int kvHeads,
                            int vocabSize, int seqLen, boolean sharedFlag, int groupSize) {

    /** Bytes of the version-0 header. */
    public static final int BYTES = 28;

    /** Bytes of the version 1 and 2 headers. */
    public static final int V1_BYTES = 256;

    /** The uint32 that opens version 1 and 2 files ("ak42"). */
    public static final int MAGIC = 0x616b3432;

    static final String[] FIELDS = {"dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"};

    /** A legacy (version 0) header from its seven values. */
    public static Llama2cHeader of(int[] v) {
        return new Llama2cHeader(0, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[5] > 0, 0);
    }

    int[] values() { return new int[] {dim, hiddenDim, layers, heads, kvHeads, vocabSize, seqLen}; }

    /** Absolute offset of the field {@code i} of {@link #FIELDS}. */
    long fieldOffset(int i) { return (version == 0 ? 0 : 8) + 4L * i; }

    /** Where the weights begin. */
    public long dataStart() { return version == 0 ? BYTES : V1_BYTES; }

    /** True when the classifier is the token embedding (version 0: positive vocab_size). */
    public boolean sharedClassifier() { return version == 0 ? vocabSize > 0 : sharedFlag; }

    /** This header with the classifier layout flipped (for error hints). */
    Llama2cHeader flipped() {
        return version == 0
                ? new Llama2cHeader(0, dim, hiddenDim, layers, heads, kvHeads, -vocabSize, seqLen, vocabSize < 0, 0)
                : new Llama2cHeader(version, dim, hiddenDim, layers, heads, kvHeads, vocabSize, seqLen, !sharedFlag, groupSize);
    }

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
        if (version == 2 && groupSize < 1) return "group_size " + groupSize + " is not positive";
        if (version > 0 && vocabSize < 0) return "vocab_size " + vocabSize + " is negative in a version " + version + " header";
        return null;
    }

    /** Index of the field {@link #problem()} is about. */
    int problemField() {
        String p = problem();
        if (p == null) return -1;
        for (int i = 0; i < FIELDS.length; i++) if (p.startsWith(FIELDS[i] + " ")) return i;
        return 0;
    }

    /** One stored array: its name, shape (outermost first), element type and absolute offset. */
    public record Slot(String name, long[] shape, TensorType type, long offset) {
        public long elements() {
            long n = 1;
            for (long d : shape) n = Math.multiplyExact(n, d);
            return n;
        }

        public long byteSize() { return Math.multiplyExact(elements(), (long) type.blockBytes()); }

        public long end() { return offset + byteSize(); }

        /** Rotary tables are stored but are not parameters. */
        public boolean isParameter() { return !name.startsWith("freq_cis"); }
    }

    /**
     * Every stored array in file order, per-layer arrays split into one slot per layer
     * ({@code layers.3.wq}). Version 2 int8 weights are followed by their f32 group scales
     * ({@code layers.3.wq.scales}). Throws ArithmeticException when the sizes overflow.
     */
    public List<Slot> layout() {
        long d = dim, h = hiddenDim, kv = kvDim(), v = vocab();
        List<Slot> out = new ArrayList<>();
        long[] at = {dataStart()};
        TensorType f32 = TensorType.F32;
        if (version == 0) {
            add(out, at, f32, "token_embedding_table", v, d);
            perLayer(out, at, f32, "rms_att_weight", d);
            perLayer(out, at, f32, "wq", d, d);
            perLayer(out, at, f32, "wk", kv, d);
            perLayer(out, at, f32, "wv", kv, d);
            perLayer(out, at, f32, "wo", d, d);
            perLayer(out, at, f32, "rms_ffn_weight", d);
            perLayer(out, at, f32, "w1", h, d);
            perLayer(out, at, f32, "w2", d, h);
            perLayer(out, at, f32, "w3", h, d);
            add(out, at, f32, "rms_final_weight", d);
            // run.c skips seq_len * head_size / 2 floats twice (the real and imaginary RoPE tables).
            long half = Math.multiplyExact((long) seqLen, headSize()) / 2;
            add(out, at, f32, "freq_cis_real", half);
            add(out, at, f32, "freq_cis_imag", half);
            if (!sharedClassifier()) add(out, at, f32, "wcls", v, d);
            return out;
        }
        perLayer(out, at, f32, "rms_att_weight", d);
        perLayer(out, at, f32, "rms_ffn_weight", d);
        add(out, at, f32, "rms_final_weight", d);
        TensorType w = version == 1 ? f32 : TensorType.I8;
        int first = out.size();
        add(out, at, w, "token_embedding_table", v, d);
        perLayer(out, at, w, "wq", d, d);
        perLayer(out, at, w, "wk", kv, d);
        perLayer(out, at, w, "wv", kv, d);
        perLayer(out, at, w, "wo", d, d);
        perLayer(out, at, w, "w1", h, d);
        perLayer(out, at, w, "w2", d, h);
        perLayer(out, at, w, "w3", h, d);
        if (!sharedClassifier()) add(out, at, w, "wcls", v, d);
        if (version == 2) {
            for (Slot q : List.copyOf(out.subList(first, out.size()))) {
                add(out, at, f32, q.name() + ".scales", q.elements() / groupSize);
            }
        }
        return out;
    }

    /** The first int8 weight whose size is not a whole number of groups (version 2), or null. */
    String groupProblem() {
        if (version != 2) return null;
        for (Slot s : layout()) {
            if (s.type() == TensorType.I8 && s.elements() % groupSize != 0) {
                return s.name() + " has " + s.elements() + " values, not a multiple of group_size " + groupSize;
            }
        }
        return null;
    }

    /** File size this header implies. */
    public long fileSize() {
        List<Slot> l = layout();
        return l.getLast().end();
    }

    private void perLayer(List<Slot> out, long[] at, TensorType type, String name, long... shape) {
        for (int i = 0; i < layers; i++) add(out, at, type, "layers." + i + "." + name, shape);
    }

    private static void add(List<Slot> out, long[] at, TensorType type, String name, long... shape) {
        Slot s = new Slot(name, shape, type, at[0]);
        at[0] = Math.addExact(at[0], s.byteSize());
        out.add(s);
    }

    public Hyperparameters hyperparameters() {
        return new Hyperparameters("llama", layers, dim, heads, kvHeads, headSize(), hiddenDim, vocab(), seqLen,
                sharedClassifier());
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, (version == 0 ? "" : "version " + version + ", ") + "dim %d, hidden_dim %d, n_layers %d, n_heads %d, n_kv_heads %d, vocab_size %d (%s), seq_len %d",
                dim, hiddenDim, layers, heads, kvHeads, vocabSize,
                sharedClassifier() ? "shared classifier" : "separate classifier", seqLen);
    }
}
