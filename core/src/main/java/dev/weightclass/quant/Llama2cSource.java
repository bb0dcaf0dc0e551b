package dev.weightclass.quant;

import dev.weightclass.WeightclassException;
import dev.weightclass.format.gguf.GgufValue;
import dev.weightclass.format.llama2c.Llama2cFile;
import dev.weightclass.tensor.TensorInfo;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A llama2.c checkpoint under GGUF names. llama2.c keeps Meta's interleaved RoPE rows, which is
 * GGUF's order, so no row is permuted. run.c fixes RMSNorm epsilon at 1e-5 and the RoPE base at
 * 10000; those become the llama.* keys. The SentencePiece vocabulary comes from the
 * tokenizer.bin beside the checkpoint (or {@code --vocab}).
 */
final class Llama2cSource {
    private Llama2cSource() {}

    private static final Pattern LAYER = Pattern.compile("layers\\.(\\d+)\\.(\\w+)");
    private static final Map<String, String> LAYER_NAMES = Map.of(
            "rms_att_weight", "attn_norm", "wq", "attn_q", "wk", "attn_k", "wv", "attn_v", "wo", "attn_output",
            "rms_ffn_weight", "ffn_norm", "w1", "ffn_gate", "w2", "ffn_down", "w3", "ffn_up");

    static QuantSource of(Llama2cFile l, Path vocab, Consumer<String> warn) throws IOException {
        if (l.header().version() == 2) {
            throw new WeightclassException(l.path() + ": llama2.c int8 exports (version 2) cannot be converted; "
                    + "export the checkpoint as version 0 or 1 (float32)");
        }
        int vocabSize = l.hyperparameters().vocabSize();
        Map<String, GgufValue> kv = ConvertedSource.llamaKeys(ConvertedSource.nameOf(l.path()), l.hyperparameters(),
                1e-5f, 10000f);
        if (vocab != null) {
            kv.putAll(GgufVocab.fromFile(vocab, vocabSize));
        } else if (l.llama2cTokenizer().isPresent()) {
            kv.putAll(GgufVocab.fromLlama2c(l.llama2cTokenizer().get(), vocabSize));
        } else {
            warn.accept(l.path() + ": no tokenizer.bin beside it (or --vocab): the GGUF is written without a tokenizer");
        }
        ConvertedSource s = new ConvertedSource(l, kv);
        for (TensorInfo t : l.tensors()) s.add(t, ggufName(t.name()), 0);
        return s;
    }

    static String ggufName(String name) {
        switch (name) {
            case "token_embedding_table": return "token_embd.weight";
            case "rms_final_weight": return "output_norm.weight";
            case "wcls": return "output.weight";
            default: break;
        }
        Matcher m = LAYER.matcher(name);
        if (m.matches() && LAYER_NAMES.containsKey(m.group(2))) {
            return "blk." + m.group(1) + "." + LAYER_NAMES.get(m.group(2)) + ".weight";
        }
        throw new IllegalStateException("llama2.c tensor " + name + " has no GGUF name");
    }
}
