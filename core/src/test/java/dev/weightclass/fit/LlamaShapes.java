package dev.weightclass.fit;

import dev.weightclass.format.Hyperparameters;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorRoles;
import dev.weightclass.tensor.TensorType;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** The GGUF tensor list of a llama-architecture model with given shapes, for tests. */
final class LlamaShapes {
    private LlamaShapes() {}

    /** TinyLlama-1.1B's shapes (the golden README's section 6 model). */
    static final Hyperparameters TINYLLAMA =
            new Hyperparameters("llama", 22, 2048, 32, 4, 64, 5632, 32000, 2048, false);

    static List<TensorInfo> tensors(Hyperparameters hp, Function<String, TensorType> typeOf) {
        long e = hp.embeddingWidth(), kv = (long) hp.kvHeads() * hp.headDim(), f = hp.ffnWidth();
        long q = (long) hp.heads() * hp.headDim();
        List<TensorInfo> out = new ArrayList<>();
        add(out, "token_embd.weight", typeOf, hp.vocabSize(), e);
        for (int il = 0; il < hp.layers(); il++) {
            String p = "blk." + il + ".";
            add(out, p + "attn_norm.weight", n -> TensorType.F32, e);
            add(out, p + "attn_q.weight", typeOf, q, e);
            add(out, p + "attn_k.weight", typeOf, kv, e);
            add(out, p + "attn_v.weight", typeOf, kv, e);
            add(out, p + "attn_output.weight", typeOf, e, q);
            add(out, p + "ffn_norm.weight", n -> TensorType.F32, e);
            add(out, p + "ffn_gate.weight", typeOf, f, e);
            add(out, p + "ffn_up.weight", typeOf, f, e);
            add(out, p + "ffn_down.weight", typeOf, e, f);
        }
        add(out, "output_norm.weight", n -> TensorType.F32, e);
        if (!Boolean.TRUE.equals(hp.tiedEmbeddings())) add(out, "output.weight", typeOf, hp.vocabSize(), e);
        return out;
    }

    private static void add(List<TensorInfo> out, String name, Function<String, TensorType> typeOf, long... shape) {
        TensorType t = typeOf.apply(name);
        long n = 1;
        for (long d : shape) n *= d;
        var c = TensorRoles.classify(name);
        out.add(new TensorInfo(name, shape, t, 0, 0, t.bytesFor(n), c.role(), c.layer()));
    }

    static ModelVariant variant(Hyperparameters hp, String type, Function<String, TensorType> typeOf) {
        List<TensorInfo> ts = tensors(hp, typeOf);
        long bytes = ts.stream().mapToLong(TensorInfo::byteSize).sum();
        return new ModelVariant("test", type, "gguf", bytes, hp, ts);
    }

    /** llama-quantize's Q4_0 preset on TinyLlama: output.weight Q6_K, the rest Q4_0. */
    static ModelVariant tinyLlamaQ4_0() {
        return variant(TINYLLAMA, "Q4_0", n -> n.equals("output.weight") ? TensorType.Q6_K : TensorType.Q4_0);
    }

    /** Llama-2-7B's shapes. */
    static final Hyperparameters LLAMA2_7B =
            new Hyperparameters("llama", 32, 4096, 32, 32, 128, 11008, 32000, 4096, false);

    /**
     * llama-quantize's Q4_K_M mixture on a llama model: output Q6_K; attn_v and ffn_down Q6_K in
     * the "more bits" layers (i < n/8, i >= 7n/8, (i - n/8) % 3 == 2); Q4_K elsewhere.
     */
    static ModelVariant q4km(Hyperparameters hp) {
        int n = hp.layers();
        return variant(hp, "Q4_K_M", name -> {
            if (name.equals("output.weight")) return TensorType.Q6_K;
            if (name.contains("attn_v") || name.contains("ffn_down")) {
                int i = Integer.parseInt(name.split("\\.")[1]);
                boolean more = i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
                return more ? TensorType.Q6_K : TensorType.Q4_K;
            }
            return TensorType.Q4_K;
        });
    }

    static ModelVariant tinyLlama(TensorType all) {
        return variant(TINYLLAMA, all.name(), n -> all);
    }
}
