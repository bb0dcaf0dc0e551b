package dev.weightclass.lora;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Between the names an adapter uses and the names a base file uses: Hugging Face module paths
 * (llama {@code model.layers.N.self_attn.q_proj}, GPT-2 {@code transformer.h.N.attn.c_attn}) and
 * GGUF tensor names ({@code blk.N.attn_q.weight}, {@code blk.N.attn_qkv.weight}).
 * <p>The GGUF converter permutes the rows of llama's q and k projections (Hugging Face's
 * rotate-half RoPE layout to Meta's interleaved one), so a B matrix crossing between the two
 * naming schemes has its rows permuted the same way.
 */
public final class TensorNames {
    private TensorNames() {}

    /** GGUF kind and the Hugging Face module paths (N = layer) that hold the same weight. */
    private record Rule(String gguf, List<String> hf) {}

    private static final List<Rule> LAYER_RULES = List.of(
            new Rule("attn_q", List.of("model.layers.N.self_attn.q_proj")),
            new Rule("attn_k", List.of("model.layers.N.self_attn.k_proj")),
            new Rule("attn_v", List.of("model.layers.N.self_attn.v_proj")),
            new Rule("attn_output", List.of("model.layers.N.self_attn.o_proj", "transformer.h.N.attn.c_proj", "h.N.attn.c_proj")),
            new Rule("ffn_gate", List.of("model.layers.N.mlp.gate_proj")),
            new Rule("ffn_up", List.of("model.layers.N.mlp.up_proj", "transformer.h.N.mlp.c_fc", "h.N.mlp.c_fc")),
            new Rule("ffn_down", List.of("model.layers.N.mlp.down_proj", "transformer.h.N.mlp.c_proj", "h.N.mlp.c_proj")),
            new Rule("attn_qkv", List.of("transformer.h.N.attn.c_attn", "h.N.attn.c_attn")));
    private static final List<Rule> GLOBAL_RULES = List.of(
            new Rule("token_embd", List.of("model.embed_tokens", "transformer.wte", "wte")),
            new Rule("output", List.of("lm_head")));

    private static final Pattern GGUF_LAYER = Pattern.compile("^blk\\.(\\d+)\\.([a-z_0-9]+)\\.weight$");
    private static final Pattern HF_LAYER = Pattern.compile("^(?:.*\\.)?(?:layers|h)\\.(\\d+)\\.(.+)$");

    /** Architectures whose GGUF q/k rows are permuted from the Hugging Face layout. */
    private static final Set<String> PERMUTED_ARCHS = Set.of("llama", "mistral");

    /** GPT-2 style Conv1D modules: their Hugging Face weight is stored [in, out]. */
    private static final Set<String> CONV1D = Set.of("c_attn", "c_proj", "c_fc");

    /** The last meaningful component: q_proj, c_attn, attn_q ... */
    public static String kind(String name) {
        String n = name.endsWith(".weight") ? name.substring(0, name.length() - 7) : name;
        int dot = n.lastIndexOf('.');
        return dot < 0 ? n : n.substring(dot + 1);
    }

    static boolean isConv1d(String name) { return CONV1D.contains(kind(name)); }

    /** The GGUF tensor name of a Hugging Face module path, if the tables know it. */
    public static Optional<String> toGguf(String module) {
        String m = module.endsWith(".weight") ? module.substring(0, module.length() - 7) : module;
        Matcher lm = HF_LAYER.matcher(m);
        if (lm.matches()) {
            String rest = lm.group(2);
            for (Rule r : LAYER_RULES) {
                for (String h : r.hf()) {
                    if (h.substring(h.indexOf(".N.") + 3).equals(rest)) {
                        return Optional.of("blk." + lm.group(1) + "." + r.gguf() + ".weight");
                    }
                }
            }
            return Optional.empty();
        }
        for (Rule r : GLOBAL_RULES) {
            for (String h : r.hf()) {
                if (m.equals(h) || m.endsWith("." + h)) return Optional.of(r.gguf() + ".weight");
            }
        }
        return Optional.empty();
    }

    /** The Hugging Face module paths (without {@code .weight}) a GGUF tensor may be called, most likely first. */
    public static List<String> toHf(String ggufName) {
        List<String> out = new ArrayList<>();
        Matcher m = GGUF_LAYER.matcher(ggufName);
        if (m.matches()) {
            for (Rule r : LAYER_RULES) {
                if (r.gguf().equals(m.group(2))) {
                    for (String h : r.hf()) out.add(h.replace(".N.", "." + m.group(1) + "."));
                }
            }
            return out;
        }
        for (Rule r : GLOBAL_RULES) {
            if ((r.gguf() + ".weight").equals(ggufName)) out.addAll(r.hf());
        }
        return out;
    }

    /**
     * Whether B's rows must be permuted when a weight named {@code name} (either scheme) crosses
     * between Hugging Face and GGUF layouts for {@code arch}; returns the head count to permute
     * with (query heads for q, key/value heads for k), or 0 for no permutation.
     */
    static int permutationHeads(String name, String arch, int heads, int kvHeads) {
        if (arch == null || !PERMUTED_ARCHS.contains(arch)) return 0;
        String k = kind(name);
        if (k.equals("attn_q") || k.equals("q_proj")) return heads;
        if (k.equals("attn_k") || k.equals("k_proj")) return kvHeads;
        return 0;
    }

    /**
     * Row order of a GGUF llama q/k weight in terms of Hugging Face rows: {@code gguf[i] = hf[perm[i]]}
     * (each head's first and second halves interleaved, as the converter does).
     */
    public static int[] hfToGgufRows(int rows, int heads) {
        if (heads <= 0 || rows % (2 * heads) != 0) {
            throw new IllegalArgumentException(rows + " rows do not split into " + heads + " heads of pairs");
        }
        int hd = rows / heads, half = hd / 2;
        int[] perm = new int[rows];
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < half; i++) {
                for (int j = 0; j < 2; j++) perm[h * hd + 2 * i + j] = h * hd + j * half + i;
            }
        }
        return perm;
    }

    /** The inverse: {@code hf[i] = gguf[perm[i]]}. */
    public static int[] ggufToHfRows(int rows, int heads) {
        int[] fwd = hfToGgufRows(rows, heads);
        int[] inv = new int[rows];
        for (int i = 0; i < rows; i++) inv[fwd[i]] = i;
        return inv;
    }

    /** {@code out[i] = rows[perm[i]]} for a row-major matrix of {@code cols} columns. */
    static float[] permuteRows(float[] m, int cols, int[] perm) {
        float[] out = new float[m.length];
        for (int i = 0; i < perm.length; i++) System.arraycopy(m, perm[i] * cols, out, i * cols, cols);
        return out;
    }
}
