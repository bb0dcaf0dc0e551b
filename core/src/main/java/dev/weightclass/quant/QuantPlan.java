package dev.weightclass.quant;

import dev.weightclass.WeightclassException;
import dev.weightclass.format.Hyperparameters;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Which type every tensor gets when a model is quantized to a preset, decided exactly as
 * llama-quantize decides it (llama.cpp {@code llama_tensor_get_type}): which tensors are
 * quantized at all, the mixture's bumps (output and tied embeddings to Q6_K, attn_v and
 * ffn_down in the "more bits" layers...), user overrides, and the fallbacks for rows that are
 * not a whole number of blocks. One implementation serves size prediction and the quantizer.
 *
 * <p>Tensors are visited in llama-quantize's order (non-layer tensors by name, then layer by
 * layer, names sorted), because some rules count attn_v / ffn_down tensors as they go.
 */
public final class QuantPlan {

    /** The model facts the rules look at. */
    public record Model(String architecture, int layers, int heads, int kvHeads, int experts) {
        public static Model of(Hyperparameters h, int experts) {
            Hyperparameters n = h.normalized();
            return new Model(n.architecture(), n.layers(), n.heads(), n.kvHeads(), experts);
        }

        /** Query heads per KV head (llama.cpp's n_gqa, integer division). */
        int gqa() { return kvHeads == 0 ? 0 : heads / kvHeads; }

        boolean falcon() { return "falcon".equals(architecture); }

        /** llama.cpp's LLM_TYPE_70B: 80 layers with grouped-query attention (Llama-2/3 70B, Qwen2 72B). */
        boolean is70B() {
            return layers == 80 && (("llama".equals(architecture) && heads != kvHeads) || "qwen2".equals(architecture));
        }
    }

    /** What happens to one tensor. {@code note} says why, in llama-quantize's terms, or is empty. */
    public record Decision(String name, long[] shape, TensorType from, TensorType to, long bytes,
                           boolean fallback, String note) {
        public Decision {
            shape = shape.clone();
        }

        @Override
        public long[] shape() { return shape.clone(); }

        public boolean converted() { return from != to; }

        @Override
        public String toString() {
            return name + " " + Arrays.toString(shape) + " " + from + " -> " + to + (note.isEmpty() ? "" : " (" + note + ")");
        }
    }

    /** llama-quantize would stop on this tensor: no fallback type exists for its shape. */
    public static final class ImpossibleException extends WeightclassException {
        private final String tensor;
        private final TensorType type;

        ImpossibleException(String tensor, TensorType type, String message) {
            super(message);
            this.tensor = tensor;
            this.type = type;
        }

        public String tensor() { return tensor; }

        public TensorType type() { return type; }
    }

    private final QuantPreset preset;
    private final QuantOptions options;
    private final List<Decision> decisions;
    private final int fallbacks;

    private QuantPlan(QuantPreset preset, QuantOptions options, List<Decision> decisions, int fallbacks) {
        this.preset = preset;
        this.options = options;
        this.decisions = List.copyOf(decisions);
        this.fallbacks = fallbacks;
    }

    public QuantPreset preset() { return preset; }

    public QuantOptions options() { return options; }

    /** One decision per tensor, in the order llama-quantize writes them. */
    public List<Decision> decisions() { return decisions; }

    /** Tensors whose wanted type did not fit their row length (llama-quantize's "required fallback"). */
    public int fallbacks() { return fallbacks; }

    /** Bytes of tensor data after quantization, without padding. */
    public long dataBytes() {
        return decisions.stream().mapToLong(Decision::bytes).sum();
    }

    public TensorType typeOf(String tensorName) {
        return decisions.stream().filter(d -> d.name.equals(tensorName)).findFirst()
                .map(Decision::to).orElseThrow(() -> new IllegalArgumentException("no tensor " + tensorName));
    }

    /** Bytes a tensor of this shape takes in a type (ggml: rows times row size). */
    public static long bytes(long[] shape, TensorType type) {
        long b = type.bytesFor(elements(shape));
        if (b < 0) throw new IllegalArgumentException(Arrays.toString(shape) + " is not a whole number of " + type + " blocks");
        return b;
    }

    /**
     * Plans the quantization of a model's tensors.
     *
     * @throws ImpossibleException when llama-quantize would fail (a legacy type with a row length
     *                             that is not a multiple of 32, a quantized source without
     *                             allowRequantize)
     */
    public static QuantPlan of(List<TensorInfo> tensors, Model model, QuantPreset preset, QuantOptions options) {
        List<TensorInfo> ordered = llamaOrder(tensors);
        State s = new State(model, preset, options);
        for (TensorInfo t : ordered) {
            if (category(t.name()) == Category.OUTPUT) s.tiedEmbeddings = false;
            if (category(t.name()).attnV()) s.nAttnV++;
        }
        List<Decision> out = new ArrayList<>();
        for (TensorInfo t : ordered) out.add(s.decide(t));
        return new QuantPlan(preset, options, out, s.fallbacks);
    }

    /** llama.cpp's tensor order: tensors outside blocks first, then by block index, then by name. */
    public static final Comparator<TensorInfo> LLAMA_ORDER =
            Comparator.<TensorInfo>comparingInt(t -> blockIndex(t.name())).thenComparing(TensorInfo::name);

    /** The tensors sorted by {@link #LLAMA_ORDER}, each block index parsed once. */
    public static List<TensorInfo> llamaOrder(List<TensorInfo> tensors) {
        record Keyed(int block, TensorInfo t) {}
        List<Keyed> keyed = new ArrayList<>(tensors.size());
        for (TensorInfo t : tensors) keyed.add(new Keyed(blockIndex(t.name()), t));
        keyed.sort(Comparator.<Keyed>comparingInt(Keyed::block).thenComparing(k -> k.t().name()));
        List<TensorInfo> out = new ArrayList<>(keyed.size());
        for (Keyed k : keyed) out.add(k.t());
        return out;
    }

    static int blockIndex(String name) {
        // "blk.N." parsed by hand, not by a regex: this runs for every tensor of every preset `size` plans
        if (!name.startsWith("blk.")) return -1;
        int i = 4;
        int start = i;
        if (i < name.length() && name.charAt(i) == '-') i++;
        int digits = i;
        while (i < name.length() && Character.isDigit(name.charAt(i)) && name.charAt(i) < 128) i++;
        if (i == digits || i >= name.length() || name.charAt(i) != '.') return -1;
        try {
            return Integer.parseInt(name, start, i, 10);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    // ---- the rules -----------------------------------------------------------------------------

    enum Category {
        TOKEN_EMBD, ATTN_Q, ATTN_V, ATTN_K, ATTN_QKV, ATTN_KV_B, ATTN_OUTPUT, FFN_UP, FFN_GATE, FFN_DOWN, OUTPUT, OTHER;

        boolean attnV() { return this == ATTN_V || this == ATTN_QKV || this == ATTN_KV_B; }
    }

    static Category category(String n) {
        if (n.equals("output.weight")) return Category.OUTPUT;
        if (n.equals("token_embd.weight") || n.equals("per_layer_token_embd.weight")) return Category.TOKEN_EMBD;
        if (n.contains("attn_qkv.weight")) return Category.ATTN_QKV;
        if (n.contains("attn_kv_b.weight")) return Category.ATTN_KV_B;
        if (n.contains("attn_v.weight")) return Category.ATTN_V;
        if (n.contains("attn_k.weight")) return Category.ATTN_K;
        if (n.contains("attn_q.weight")) return Category.ATTN_Q;
        if (n.contains("attn_output.weight")) return Category.ATTN_OUTPUT;
        if (n.contains("ffn_up")) return Category.FFN_UP;
        if (n.contains("ffn_gate")) return Category.FFN_GATE;
        if (n.contains("ffn_down")) return Category.FFN_DOWN;
        return Category.OTHER;
    }

    /** Names llama-quantize never quantizes (small or special 2-D tensors), by substring. */
    private static final String[] NEVER = {
            "_norm.weight", "ffn_gate_inp.weight", "ffn_gate_tid2eid.weight", "altup", "laurel",
            "per_layer_model_proj", "ssm_conv1d", "shortconv.conv.weight", "indexer.k_proj.weight",
            "indexer.q_proj.weight", "time_mix_first.weight", "time_mix_w0.weight", "time_mix_w1.weight",
            "time_mix_w2.weight", "time_mix_v0.weight", "time_mix_v1.weight", "time_mix_v2.weight",
            "time_mix_a0.weight", "time_mix_a1.weight", "time_mix_a2.weight", "time_mix_g1.weight",
            "time_mix_g2.weight", "time_mix_decay_w1.weight", "time_mix_decay_w2.weight",
            "time_mix_lerp_fused.weight", "attn_rel_b.weight", ".position_embd", "sam.pos_embd", "sam.neck.",
            "sam.net_", ".rel_pos", ".patch_embd", ".patch_merger", "a.rvq.codebook", "mm.a.code_embd"};

    /** Whether llama-quantize touches the tensor at all: 2-D or 3-D weights that are not norms etc. */
    public static boolean allowsQuantization(String name, long[] shape, boolean leaveOutputTensor) {
        if (ggmlDims(shape) < 2) return false;
        if (!name.endsWith("weight")) return false;
        for (String s : NEVER) if (name.contains(s)) return false;
        if (leaveOutputTensor && name.equals("output.weight")) return false;
        // position embeddings and BERT token types
        return !name.equals("position_embd.weight") && !name.equals("token_types.weight");
    }

    /** ggml_n_dims: trailing dimensions of 1 (in ne order) do not count. */
    public static int ggmlDims(long[] shape) {
        // shape is outermost first, so ggml's ne[i] is shape[length-1-i]
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] > 1) return shape.length - i;
        }
        return 1;
    }

    private static long elements(long[] shape) {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    private static boolean moreBits(int i, int n) {
        return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
    }

    private static String lower(TensorType t) { return t.name().toLowerCase(Locale.ROOT); }

    /** Mutable walk over the tensors, as llama-quantize keeps counters while it goes. */
    private static final class State {
        final Model model;
        final QuantPreset preset;
        final QuantOptions options;
        boolean tiedEmbeddings = true;
        int nAttnV, iAttnV, iFfnDown, fallbacks;

        State(Model model, QuantPreset preset, QuantOptions options) {
            this.model = model;
            this.preset = preset;
            this.options = options;
        }

        Decision decide(TensorInfo t) {
            String name = t.name();
            long[] shape = t.shape();
            TensorType from = t.type();
            Category cat = category(name);
            if (!allowsQuantization(name, shape, options.leaveOutputTensor())) {
                return decision(t, from, false, "");
            }
            if (options.tokenEmbeddingType() != null && cat == Category.TOKEN_EMBD) {
                return checked(t, options.tokenEmbeddingType(), false, "--token-embedding-type");
            }
            if (options.outputTensorType() != null && cat == Category.OUTPUT) {
                return checked(t, options.outputTensorType(), false, "--output-tensor-type");
            }
            TensorType type = preset.baseType();
            if (!preset.isQuantized()) return checked(t, type, false, "");
            String note = "";
            boolean manual = false;
            for (QuantOptions.Override o : options.overrides()) {
                if (o.pattern().matcher(name).find()) {
                    if (o.type() != type) note = "manual override: " + lower(type) + " -> " + lower(o.type());
                    type = o.type();
                    manual = true;
                    break;
                }
            }
            if (!manual && !options.pure()) {
                TensorType chosen = mixture(t, type, cat);
                if (chosen != type) note = "preset: " + lower(type) + " -> " + lower(chosen);
                type = chosen;
            }
            // Rows that are not a whole number of blocks: fall back to a compatible type.
            long ncols = t.rowLength();
            boolean fell = false;
            if (ncols % type.blockSize() != 0) {
                TensorType wanted = type;
                TensorType fb = fallbackFor(type);
                if (fb == null) {
                    throw new ImpossibleException(name, type, String.format(Locale.ROOT,
                            "%s: row length %d is not a multiple of %d (required for %s) and llama-quantize has no "
                                    + "fallback for %s, so it fails; keep this tensor in another type, "
                                    + "e.g. --tensor-type '%s=f16'",
                            name, ncols, type.blockSize(), type, type, overridePattern(name)));
                }
                fallbacks++;
                fell = true;
                String why = "ncols " + ncols + " not divisible by " + wanted.blockSize() + " (required for " + lower(wanted) + ")";
                if (ncols % fb.blockSize() != 0) {
                    fb = TensorType.F16;
                    why += ", must use F16 due to unusual shape";
                }
                type = fb;
                note = (note.isEmpty() ? "" : note + "; ") + why + " -> falling back to " + lower(fb);
            }
            return checked(t, type, fell, note);
        }

        /** llama_tensor_get_type_impl for the presets of {@link QuantPreset}. */
        TensorType mixture(TensorInfo t, TensorType type, Category cat) {
            QuantPreset p = preset;
            if (cat == Category.OUTPUT || (tiedEmbeddings && cat == Category.TOKEN_EMBD)) {
                if (options.outputTensorType() != null) return options.outputTensorType();
                if (model.falcon() || t.rowLength() % type.blockSize() != 0) return TensorType.Q8_0;
                return type != TensorType.Q8_0 ? TensorType.Q6_K : type;
            }
            if (cat == Category.TOKEN_EMBD) {
                return options.tokenEmbeddingType() != null ? options.tokenEmbeddingType() : type;
            }
            if (cat.attnV()) {
                TensorType n = type;
                if (p == QuantPreset.Q2_K) n = model.gqa() >= 4 ? TensorType.Q4_K : TensorType.Q3_K;
                else if (p == QuantPreset.Q3_K_M) n = iAttnV < 2 ? TensorType.Q5_K : TensorType.Q4_K;
                else if (p == QuantPreset.Q3_K_L) n = TensorType.Q5_K;
                else if ((p == QuantPreset.IQ4_NL || p == QuantPreset.IQ4_XS) && model.gqa() >= 4) n = TensorType.Q5_K;
                else if ((p == QuantPreset.Q4_K_M || p == QuantPreset.Q5_K_M) && moreBits(iAttnV, nAttnV)) n = TensorType.Q6_K;
                else if (p == QuantPreset.Q4_K_S && iAttnV < 4) n = TensorType.Q5_K;
                if (model.is70B() && (n == TensorType.Q3_K || n == TensorType.Q4_K)) n = TensorType.Q5_K;
                if (model.experts() == 8) n = TensorType.Q8_0;
                iAttnV++;
                return n;
            }
            if (cat == Category.ATTN_K) return model.experts() == 8 ? TensorType.Q8_0 : type;
            if (cat == Category.FFN_DOWN) {
                int i = iFfnDown, n = model.layers();
                if (model.experts() > 1) i = expertLayer(t.name());
                TensorType r = type;
                if (p == QuantPreset.Q2_K) r = TensorType.Q3_K;
                else if (p == QuantPreset.Q3_K_M) {
                    r = i < n / 16 ? TensorType.Q5_K : !model.falcon() || moreBits(i, n) ? TensorType.Q4_K : TensorType.Q3_K;
                } else if (p == QuantPreset.Q3_K_L) r = model.falcon() ? TensorType.Q4_K : TensorType.Q5_K;
                else if (p == QuantPreset.Q4_K_M) {
                    if (model.falcon()) r = i < n / 16 ? TensorType.Q6_K : moreBits(i, n) ? TensorType.Q5_K : TensorType.Q4_K;
                    else if (moreBits(i, n)) r = TensorType.Q6_K;
                } else if (i < n / 8 && (p == QuantPreset.IQ4_NL || p == QuantPreset.IQ4_XS) && !options.imatrix()) {
                    r = TensorType.Q5_K;
                } else if (p == QuantPreset.Q5_K_M && moreBits(i, n)) r = TensorType.Q6_K;
                else if (p == QuantPreset.Q4_K_S && !model.falcon() && i < n / 8) r = TensorType.Q5_K;
                else if ((p == QuantPreset.Q4_0 || p == QuantPreset.Q5_0) && options.imatrix() && i < n / 8) {
                    // an imatrix guards the first ffn_down layers of Q4_0/Q5_0 with the _1 variant
                    r = p == QuantPreset.Q4_0 ? TensorType.Q4_1 : TensorType.Q5_1;
                }
                iFfnDown++;
                return r;
            }
            if (cat == Category.ATTN_OUTPUT) {
                if (!model.falcon()) {
                    if (model.experts() == 8) {
                        if (p == QuantPreset.Q2_K || p == QuantPreset.Q3_K_S || p == QuantPreset.Q3_K_M
                                || p == QuantPreset.IQ4_NL || p == QuantPreset.Q4_K_S || p == QuantPreset.Q4_K_M
                                || p == QuantPreset.IQ4_XS) return TensorType.Q5_K;
                    } else {
                        if (p == QuantPreset.Q2_K) return TensorType.Q3_K;
                        if (p == QuantPreset.Q3_K_M) return TensorType.Q4_K;
                        if (p == QuantPreset.Q3_K_L) return TensorType.Q5_K;
                    }
                } else if (p == QuantPreset.Q3_K_L) return TensorType.Q4_K;
            }
            return type;
        }

        private int expertLayer(String name) {
            int i = blockIndex(name);
            if (i < 0 || i >= model.layers()) {
                throw new WeightclassException("bad layer " + i + " for tensor " + name + ": must be in [0, " + model.layers() + ")");
            }
            return i;
        }

        private Decision checked(TensorInfo t, TensorType to, boolean fell, String note) {
            if (to != t.type() && t.type().isQuantized() && !options.allowRequantize()) {
                throw new ImpossibleException(t.name(), t.type(), t.name() + ": requantizing from type "
                        + t.type() + " is disabled in llama-quantize (needs --allow-requantize; quality suffers)");
            }
            if (t.rowLength() % to.blockSize() != 0) {
                throw new ImpossibleException(t.name(), to, String.format(Locale.ROOT,
                        "%s: row length %d is not a multiple of %d, the block size of %s", t.name(), t.rowLength(),
                        to.blockSize(), to));
            }
            return decision(t, to, fell, note);
        }

        private Decision decision(TensorInfo t, TensorType to, boolean fell, String note) {
            long bytes = to == t.type() && t.byteSize() > 0 ? t.byteSize() : bytes(t.shape(), to);
            return new Decision(t.name(), t.shape(), t.type(), to, bytes, fell, note);
        }
    }

    /** llama.cpp's fallback table: 256-block types to a 32-block type; legacy types have none. */
    static TensorType fallbackFor(TensorType t) {
        return switch (t) {
            case IQ1_S, IQ1_M, IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S, IQ4_XS -> TensorType.IQ4_NL;
            case Q2_K, Q3_K, TQ1_0, TQ2_0 -> TensorType.Q4_0;
            case Q4_K -> TensorType.Q5_0;
            case Q5_K -> TensorType.Q5_1;
            case Q6_K -> TensorType.Q8_0;
            default -> null;
        };
    }

    /** A --tensor-type pattern naming this tensor's kind in every layer (blk.3.ffn_down.weight -> ffn_down). */
    static String overridePattern(String name) {
        String n = name.replaceFirst("^blk\\.\\d+\\.", "");
        return n.endsWith(".weight") ? n.substring(0, n.length() - 7) : n;
    }
}
