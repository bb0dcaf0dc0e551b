package dev.weightclass.runtime.tokenizer;

import dev.weightclass.WeightclassException;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Builds a tokenizer from GGUF {@code tokenizer.ggml.*} metadata (plain Java values, lists for
 * arrays), with llama.cpp's defaults for keys a file leaves out.
 */
final class GgufTokenizers {
    private GgufTokenizers() {}

    private static final String P = "tokenizer.ggml.";

    static Tokenizer fromMetadata(Map<String, Object> md, String source) {
        Object modelValue = md.get(P + "model");
        Object tokensValue = md.get(P + "tokens");
        if (modelValue == null || tokensValue == null) {
            throw new WeightclassException(source + ": the model has no tokenizer (no tokenizer.ggml.model / tokens)");
        }
        String model = modelValue.toString();
        List<?> tokenList = list(md, P + "tokens", source);
        int n = tokenList.size();
        String[] tokens = new String[n];
        for (int i = 0; i < n; i++) {
            String t = String.valueOf(tokenList.get(i));
            tokens[i] = t.isEmpty() ? "[EMPTY_" + i + "]" : t;
        }
        float[] scores = new float[n];
        if (md.containsKey(P + "scores")) {
            List<?> s = list(md, P + "scores", source);
            if (s.size() < n) throw bad(source, "scores", s.size() + " scores for " + n + " tokens");
            for (int i = 0; i < n; i++) scores[i] = ((Number) s.get(i)).floatValue();
        }
        TokenType[] types = new TokenType[n];
        java.util.Arrays.fill(types, TokenType.NORMAL);
        if (md.containsKey(P + "token_type")) {
            List<?> t = list(md, P + "token_type", source);
            if (t.size() < n) throw bad(source, "token_type", t.size() + " types for " + n + " tokens");
            for (int i = 0; i < n; i++) types[i] = TokenType.ofCode(((Number) t.get(i)).longValue());
        }
        Vocabulary v = new Vocabulary(tokens, scores, types);

        VocabTokenizer tok;
        switch (model) {
            case "llama" -> {
                v.bos = 1; v.eos = 2; v.unk = 0;
                v.addBos = true;
                boolean spacePrefix = bool(md, P + "add_space_prefix", true);
                specials(md, v);
                tok = new SentencePieceBpe(v, spacePrefix, "llama");
            }
            case "gpt2" -> {
                if (!md.containsKey(P + "merges")) throw bad(source, "merges", "gpt2 tokenizer without merges");
                List<String> merges = list(md, P + "merges", source).stream().map(String::valueOf).toList();
                String pre = md.containsKey(P + "pre") ? md.get(P + "pre").toString() : null;
                BpePresets.Preset preset = BpePresets.forName(pre);
                v.bos = 11; v.eos = 11;
                v.addBos = preset.addBos();
                if ("chatglm-bpe".equals(pre) || "glm4".equals(pre)) v.bos = -1;
                specials(md, v);
                tok = new ByteLevelBpe(v, merges, new PreTokenizer(preset.regexes()), preset.ignoreMerges(), "gpt2");
            }
            case "bert" -> {
                v.bos = 101; v.unk = 100; v.sep = 102; v.pad = 0;
                v.addBos = true; v.addSep = true;
                if (md.get(P + "cls_token_id") instanceof Number cls) v.bos = cls.intValue();
                specials(md, v);
                boolean lower = bool(md, P + "normalizer.lowercase", true);
                boolean strip = bool(md, P + "normalizer.strip_accents", lower);
                tok = new WordPiece(v, lower, strip);
            }
            default -> throw new WeightclassException(source + ": tokenizer model '" + model
                    + "' is not supported (supported: llama, gpt2, bert)");
        }
        phi3Strip(md, v);
        return tok;
    }

    /** Special ids and add_* flags from the file, over the defaults already set. */
    private static void specials(Map<String, Object> md, Vocabulary v) {
        v.bos = id(md, "bos_token_id", v.bos, v);
        v.eos = id(md, "eos_token_id", v.eos, v);
        v.unk = id(md, "unknown_token_id", v.unk, v);
        v.sep = id(md, "seperator_token_id", v.sep, v);
        v.pad = id(md, "padding_token_id", v.pad, v);
        v.addBos = bool(md, P + "add_bos_token", v.addBos);
        v.addEos = bool(md, P + "add_eos_token", v.addEos);
        v.addSep = bool(md, P + "add_sep_token", v.addSep);
    }

    private static int id(Map<String, Object> md, String key, int dflt, Vocabulary v) {
        if (dflt >= v.size()) dflt = -1;
        if (md.get(P + key) instanceof Number num) {
            long id = num.longValue();
            if (id >= 0 && id < v.size()) return (int) id;
        }
        return dflt;
    }

    /** Phi-3's special tokens swallow the whitespace after them (llama.cpp sets this by model name). */
    private static void phi3Strip(Map<String, Object> md, Vocabulary v) {
        String name = String.valueOf(md.getOrDefault("general.name", "")).toLowerCase(Locale.ROOT);
        if (!name.contains("phi-3") && !name.contains("phi3")) return;
        for (int id : v.specialsByLength()) v.rstrip.set(id);
        int eos = v.id("</s>");
        if (eos >= 0) v.rstrip.set(eos);
        for (String t : new String[] {"<unk>", "<s>", "<|endoftext|>"}) {
            int id = v.id(t);
            if (id >= 0) v.rstrip.clear(id);
        }
    }

    private static boolean bool(Map<String, Object> md, String key, boolean dflt) {
        return md.get(key) instanceof Boolean b ? b : dflt;
    }

    private static List<?> list(Map<String, Object> md, String key, String source) {
        if (md.get(key) instanceof List<?> l) return l;
        throw bad(source, key.substring(P.length()), "expected an array");
    }

    private static WeightclassException bad(String source, String key, String what) {
        return new WeightclassException(source + ": tokenizer.ggml." + key + ": " + what);
    }
}
