package dev.weightclass.tensor;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Classifies a tensor name into a role and a layer index. One rule set serves every naming
 * convention: GGUF ({@code blk.3.attn_q.weight}), Hugging Face llama/GPT-2/BERT
 * ({@code model.layers.3.self_attn.q_proj.weight}, {@code h.3.attn.c_attn.weight},
 * {@code encoder.layer.3.attention.self.query.weight}) and llama2.c ({@code wq}, {@code w1}).
 */
public final class TensorRoles {
    private TensorRoles() {}

    private static final Pattern LAYER =
            Pattern.compile("(?:^|[._/])(?:blk|layers|layer|h|block|blocks)[._/](\\d+)(?:[._/]|$)");

    // Compiled once: classification runs for every tensor of every model opened.
    private static final Pattern LN = Pattern.compile(".*(^|[._])ln\\d?([._]|$).*");
    private static final Pattern W_QKVO = Pattern.compile("(.*[._])?w[qkvo]([._].*)?");
    private static final Pattern W_123 = Pattern.compile("(.*[._])?w[123]([._].*)?");
    private static final Pattern BERT_FFN_OUT = Pattern.compile(".*layer\\.\\d+\\.output\\.dense.*");

    public record Classification(TensorRole role, int layer) {}

    public static Classification classify(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        int layer = -1;
        Matcher m = LAYER.matcher(n);
        if (m.find()) {
            try {
                layer = Integer.parseInt(m.group(1));
            } catch (NumberFormatException e) {
                layer = -1;
            }
        }
        return new Classification(role(n), layer);
    }

    private static TensorRole role(String n) {
        if (n.endsWith("_scale") || n.endsWith("_zero_point") || n.endsWith(".scales")
                || n.endsWith("_quantized_scale") || n.endsWith("_zp")) return TensorRole.QUANT_PARAM;
        if (n.contains("norm") || n.contains("ln_") || LN.matcher(n).matches()
                || n.contains("rms_")) return TensorRole.NORM;
        if (n.contains("embd") || n.contains("embed") || n.contains("wte") || n.contains("wpe")
                || n.equals("token_embedding_table") || n.contains("position_embeddings")
                || n.contains("token_type_embeddings")) return TensorRole.EMBEDDING;
        if (n.startsWith("output.") || n.equals("output") || n.contains("lm_head") || n.equals("wcls")
                || n.startsWith("classifier") || n.startsWith("pooler")) return TensorRole.OUTPUT;
        if (n.contains("attn") || n.contains("attention") || n.contains("q_proj") || n.contains("k_proj")
                || n.contains("v_proj") || n.contains("o_proj") || W_QKVO.matcher(n).matches()
                || n.contains("query") || n.contains(".key") || n.contains("value"))
            return TensorRole.ATTENTION;
        if (n.contains("ffn") || n.contains("mlp") || n.contains("gate_proj") || n.contains("up_proj")
                || n.contains("down_proj") || n.contains("intermediate") || n.contains("feed_forward")
                || W_123.matcher(n).matches() || n.contains("c_fc")
                || BERT_FFN_OUT.matcher(n).matches()) return TensorRole.FFN;
        return TensorRole.OTHER;
    }
}
