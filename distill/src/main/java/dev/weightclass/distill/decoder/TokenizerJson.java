package dev.weightclass.distill.decoder;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weightclass.WeightclassException;
import dev.weightclass.format.gguf.GgufValue;
import dev.weightclass.runtime.tokenizer.TokenType;
import dev.weightclass.runtime.tokenizer.Tokenizer;
import dev.weightclass.runtime.tokenizer.Tokenizers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Hugging Face {@code tokenizer.json} (plus {@code tokenizer_config.json}) for a vocabulary held
 * as GGUF {@code tokenizer.ggml.*} keys, in the form Llama 2 and GPT-2 ship theirs:
 * <ul>
 * <li>"llama" (SentencePiece BPE): a BPE model with byte fallback. SentencePiece merges the pair
 * whose joined token scores highest; a BPE file lists merges by rank instead, so every split of a
 * token into two tokens is listed, ordered by the joined token's score (then id). Reading it back
 * (core's converter: score = -(1 + rank of the first merge making the token)) keeps the order.</li>
 * <li>"gpt2" (byte-level BPE with GPT-2's pre-tokenizer): the vocabulary and merges as they are.</li>
 * </ul>
 * Whether the result tokenizes as the original is checked on the training texts by the caller
 * (the file is read back through core's tokenizers: {@link #reload}).
 */
final class TokenizerJson {
    private TokenizerJson() {}

    private static final String P = "tokenizer.ggml.";
    private static final JsonNodeFactory J = JsonNodeFactory.instance;

    static String write(Map<String, GgufValue> keys) throws IOException {
        VocabSubset.Closure v = new VocabSubset.Closure(keys);
        ObjectNode root = J.objectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int i = 0; i < v.size; i++) {
            TokenType t = v.types[i];
            if (t != TokenType.CONTROL && t != TokenType.UNKNOWN && t != TokenType.USER_DEFINED) continue;
            ObjectNode a = added.addObject();
            a.put("id", i);
            a.put("content", v.text[i]);
            a.put("single_word", false);
            a.put("lstrip", false);
            a.put("rstrip", false);
            a.put("normalized", t == TokenType.USER_DEFINED);
            a.put("special", t != TokenType.USER_DEFINED);
        }
        Map<String, Integer> special = v.specialIds();
        boolean addBos = flag(keys, "add_bos_token", v.model.equals("llama"));
        Integer bos = special.get("bos_token_id");
        ObjectNode model = J.objectNode();
        model.put("type", "BPE");
        model.putNull("dropout");
        Integer unk = special.get("unknown_token_id");
        if (unk != null) model.put("unk_token", v.text[unk]);
        else model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", v.model.equals("llama"));
        model.put("byte_fallback", v.model.equals("llama"));
        model.put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        for (int i = 0; i < v.size; i++) if (!vocab.has(v.text[i])) vocab.put(v.text[i], i);
        ArrayNode merges = model.putArray("merges");
        if (v.model.equals("llama")) {
            boolean prefix = flag(keys, "add_space_prefix", true);
            ArrayNode norms = J.arrayNode();
            if (prefix) norms.addObject().put("type", "Prepend").put("prepend", "\u2581");
            ObjectNode replace = norms.addObject().put("type", "Replace");
            replace.putObject("pattern").put("String", " ");
            replace.put("content", "\u2581");
            root.putObject("normalizer").put("type", "Sequence").set("normalizers", norms);
            root.putNull("pre_tokenizer");
            if (addBos && bos != null) root.set("post_processor", template(v.text[bos], bos));
            else root.putNull("post_processor");
            ArrayNode decs = J.arrayNode();
            ObjectNode d = decs.addObject().put("type", "Replace");
            d.putObject("pattern").put("String", "\u2581");
            d.put("content", " ");
            decs.addObject().put("type", "ByteFallback");
            decs.addObject().put("type", "Fuse");
            if (prefix) decs.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);
            root.putObject("decoder").put("type", "Sequence").set("decoders", decs);
            for (String[] m : spmMerges(v)) merges.addArray().add(m[0]).add(m[1]);
        } else {
            GgufValue pre = keys.get(P + "pre");
            if (pre != null && !pre.asString().equals("gpt-2")) {
                throw new WeightclassException("a tokenizer.json for pre-tokenizer '" + pre.asString() + "' cannot be "
                        + "written yet (GPT-2's own only); keep the teacher's vocabulary (no --vocab)");
            }
            root.putNull("normalizer");
            root.set("pre_tokenizer", byteLevel(false));
            root.set("post_processor", byteLevel(true));
            root.set("decoder", byteLevel(true));
            List<?> ml = keys.get(P + "merges") == null ? List.of() : (List<?>) keys.get(P + "merges").plain();
            for (Object m : ml) {
                String s = String.valueOf(m);
                int sp = s.indexOf(' ', 1);
                merges.addArray().add(s.substring(0, sp)).add(s.substring(sp + 1));
            }
        }
        root.set("model", model);
        return new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(root);
    }

    /** tokenizer_config.json: the special tokens by content and whether BOS / EOS are added. */
    static String config(Map<String, GgufValue> keys) throws IOException {
        VocabSubset.Closure v = new VocabSubset.Closure(keys);
        ObjectNode c = J.objectNode();
        c.put("add_bos_token", flag(keys, "add_bos_token", v.model.equals("llama")));
        c.put("add_eos_token", flag(keys, "add_eos_token", false));
        Map<String, Integer> special = v.specialIds();
        for (String[] s : new String[][] {{"bos_token_id", "bos_token"}, {"eos_token_id", "eos_token"},
                {"unknown_token_id", "unk_token"}, {"padding_token_id", "pad_token"}}) {
            Integer id = special.get(s[0]);
            if (id != null) c.put(s[1], v.text[id]);
        }
        c.put("clean_up_tokenization_spaces", false);
        c.put("tokenizer_class", v.model.equals("llama") ? "LlamaTokenizerFast" : "GPT2TokenizerFast");
        return new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(c);
    }

    /** The tokenizer these keys give once written as tokenizer.json and read back by core. */
    static Tokenizer reload(Map<String, GgufValue> keys) throws IOException {
        Path dir = Files.createTempDirectory("weightclass-tokenizer");
        try {
            Files.writeString(dir.resolve("tokenizer.json"), write(keys), StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("tokenizer_config.json"), config(keys), StandardCharsets.UTF_8);
            return Tokenizers.fromTokenizerJson(dir.resolve("tokenizer.json"));
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        }
    }

    /** Every split of a normal token into two tokens, by the joined token's score (highest first), then id. */
    private static List<String[]> spmMerges(VocabSubset.Closure v) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < v.size; i++) {
            if ((v.types[i] == TokenType.NORMAL || v.types[i] == TokenType.UNDEFINED) && v.text[i].codePointCount(0, v.text[i].length()) > 1) {
                order.add(i);
            }
        }
        order.sort(Comparator.comparingDouble((Integer i) -> -v.scores[i]).thenComparingInt(i -> i));
        List<String[]> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int id : order) {
            String t = v.text[id];
            for (int k = t.offsetByCodePoints(0, 1); k < t.length(); k = t.offsetByCodePoints(k, 1)) {
                String a = t.substring(0, k), b = t.substring(k);
                if (isPiece(v, a) && isPiece(v, b) && seen.add(a + " " + b)) out.add(new String[] {a, b});
            }
        }
        return out;
    }

    private static boolean isPiece(VocabSubset.Closure v, String s) {
        Integer id = v.ids.get(s);
        return id != null && (v.types[id] == TokenType.NORMAL || v.types[id] == TokenType.UNDEFINED);
    }

    private static ObjectNode template(String bos, int id) {
        ObjectNode t = J.objectNode().put("type", "TemplateProcessing");
        ArrayNode single = t.putArray("single");
        single.addObject().putObject("SpecialToken").put("id", bos).put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        ArrayNode pair = t.putArray("pair");
        pair.addObject().putObject("SpecialToken").put("id", bos).put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        pair.addObject().putObject("SpecialToken").put("id", bos).put("type_id", 1);
        pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        ObjectNode st = t.putObject("special_tokens").putObject(bos);
        st.put("id", bos);
        st.putArray("ids").add(id);
        st.putArray("tokens").add(bos);
        return t;
    }

    private static ObjectNode byteLevel(boolean prefixSpaceFlag) {
        return J.objectNode().put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", !prefixSpaceFlag)
                .put("use_regex", true);
    }

    private static boolean flag(Map<String, GgufValue> keys, String key, boolean dflt) {
        GgufValue v = keys.get(P + key);
        return v == null ? dflt : v.asBoolean();
    }
}
