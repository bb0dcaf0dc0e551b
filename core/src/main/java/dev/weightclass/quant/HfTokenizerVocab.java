package dev.weightclass.quant;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weightclass.WeightclassException;
import dev.weightclass.format.gguf.GgufValue;
import dev.weightclass.format.gguf.GgufValueType;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * A Hugging Face {@code tokenizer.json} as GGUF {@code tokenizer.ggml.*} keys, the two BPE kinds
 * llama.cpp's converter knows:
 * <ul>
 * <li>BPE with byte fallback (Llama 1/2, Mistral, TinyLlama: SentencePiece converted to HF) becomes
 * tokenizer model {@code llama}: the pieces with {@code <0xNN>} typed BYTE and special added tokens
 * CONTROL. llama.cpp's SentencePiece tokenizer merges the adjacent pair whose joined token has the
 * highest score, where HF BPE applies the lowest-ranked merge; a token's score is therefore
 * -(1 + rank of the first merge that makes it), 0 for tokens no merge makes. (llama.cpp's converter
 * writes -1000 for every token here, which leaves llama.cpp merging left to right.)</li>
 * <li>Byte-level BPE without byte fallback (GPT-2, Llama 3, Qwen2) becomes {@code gpt2} with its
 * merges and a {@code tokenizer.ggml.pre} named after the pre-tokenizer's split regex.</li>
 * </ul>
 * Ids the model's embedding has but the file does not name become {@code [PADn]} (UNUSED).
 * Special ids and add-BOS/EOS flags come from {@link SpecialVocab}.
 */
final class HfTokenizerVocab {
    private HfTokenizerVocab() {}

    private static final Pattern BYTE_TOKEN = Pattern.compile("<0x[0-9A-Fa-f]{2}>");
    /** Split regexes of byte-level pre-tokenizers, as tokenizer.json spells them, and llama.cpp's name for each. */
    private static final Map<String, String> PRE_BY_REGEX = Map.of(
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
            "llama-bpe",
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
            "qwen2");

    /**
     * The tokenizer keys of {@code dir/tokenizer.json}, or null (after one warning) when its kind
     * cannot be converted.
     *
     * @param vocabSize the model's vocabulary (embedding rows); 0 when unknown
     */
    static Map<String, GgufValue> read(Path dir, int vocabSize, Consumer<String> warn) throws IOException {
        return readFile(dir.resolve("tokenizer.json"), vocabSize, warn);
    }

    /** The same for a tokenizer.json of any name; the other side files are looked for beside it. */
    static Map<String, GgufValue> readFile(Path file, int vocabSize, Consumer<String> warn) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        JsonNode root = HfJson.readOptional(file, "a tokenizer.json");
        if (root == null) return null;
        JsonNode model = root.path("model");
        String type = model.path("type").asText("");
        boolean byteFallback = model.path("byte_fallback").asBoolean(false);
        boolean byteLevel = root.path("decoder").path("type").asText("").equals("ByteLevel")
                || root.path("pre_tokenizer").toString().contains("\"ByteLevel\"");
        if (!type.equals("BPE") || (!byteFallback && !byteLevel)) {
            warn.accept(file + ": a " + (type.isEmpty() ? "tokenizer" : type) + " tokenizer"
                    + (type.equals("BPE") ? " neither byte-level nor with byte fallback" : "")
                    + " is not converted (BPE only); the GGUF is written without a tokenizer (give one with --vocab FILE)");
            return null;
        }
        Tokens t = tokens(file, root, model.path("vocab"), vocabSize);
        List<String[]> merges = merges(file, model.path("merges"));
        Map<String, GgufValue> kv = new LinkedHashMap<>();
        List<Integer> types = new ArrayList<>(t.size());
        if (byteFallback) {
            kv.put("tokenizer.ggml.model", GgufValue.string("llama"));
            kv.put("tokenizer.ggml.pre", GgufValue.string("default"));
            for (int i = 0; i < t.size(); i++) {
                types.add(t.unused[i] ? GgufVocab.UNUSED : BYTE_TOKEN.matcher(t.text[i]).matches() ? GgufVocab.BYTE
                        : t.special[i] ? GgufVocab.CONTROL : i >= t.base && t.added[i] ? USER_DEFINED : GgufVocab.NORMAL);
            }
            kv.put("tokenizer.ggml.tokens", GgufValue.array(GgufValueType.STRING, Arrays.asList(t.text)));
            kv.put("tokenizer.ggml.scores", GgufValue.array(GgufValueType.FLOAT32, scoresFromMerges(t, merges)));
            kv.put("tokenizer.ggml.token_type", GgufValue.array(GgufValueType.INT32, types));
        } else {
            kv.put("tokenizer.ggml.model", GgufValue.string("gpt2"));
            kv.put("tokenizer.ggml.pre", GgufValue.string(preName(file, root.path("pre_tokenizer"), warn)));
            for (int i = 0; i < t.size(); i++) {
                if (t.added[i] && !t.special[i] && !looksSpecial(t.text[i])) t.text[i] = t.text[i].replace('\u2581', ' ');
                types.add(t.unused[i] ? GgufVocab.UNUSED : !t.added[i] ? GgufVocab.NORMAL
                        : t.special[i] || looksSpecial(t.text[i]) ? GgufVocab.CONTROL : USER_DEFINED);
            }
            kv.put("tokenizer.ggml.tokens", GgufValue.array(GgufValueType.STRING, Arrays.asList(t.text)));
            kv.put("tokenizer.ggml.token_type", GgufValue.array(GgufValueType.INT32, types));
            List<String> m = new ArrayList<>(merges.size());
            // a space inside a merge part (new pair format) is written as U+0120, as byte-level BPE spells it
            for (String[] p : merges) m.add(p[0].replace(' ', '\u0120') + " " + p[1].replace(' ', '\u0120'));
            kv.put("tokenizer.ggml.merges", GgufValue.array(GgufValueType.STRING, m));
        }
        SpecialVocab.read(dir, root, t.size()).addTo(kv);
        return kv;
    }

    static final int USER_DEFINED = 4;

    /** Token texts by id; {@code base} is the size of model.vocab (ids past it come from added_tokens only). */
    private record Tokens(String[] text, boolean[] added, boolean[] special, boolean[] unused, int base) {
        int size() { return text.length; }
    }

    private static Tokens tokens(Path file, JsonNode root, JsonNode vocab, int vocabSize) {
        if (!vocab.isObject()) throw new WeightclassException(file + ": model.vocab is not an object");
        JsonNode addedTokens = root.path("added_tokens");
        // without the model's size, ids are bounded by what the file lists (a huge id would size the arrays)
        long limit = vocabSize > 0 ? vocabSize : vocab.size() + (long) addedTokens.size();
        int n = vocabSize;
        for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            n = Math.max(n, checkedId(file, e.getValue(), limit, "model.vocab['" + e.getKey() + "']") + 1);
        }
        for (JsonNode a : addedTokens) n = Math.max(n, checkedId(file, a.path("id"), limit, "added_tokens id") + 1);
        String[] text = new String[n];
        boolean[] added = new boolean[n], special = new boolean[n], unused = new boolean[n];
        for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            text[e.getValue().asInt()] = e.getKey();
        }
        for (JsonNode a : addedTokens) {
            int id = a.path("id").asInt();
            text[id] = a.path("content").asText("");
            added[id] = true;
            special[id] = a.path("special").asBoolean(false);
        }
        for (int i = 0; i < n; i++) {
            if (text[i] == null) {
                text[i] = "[PAD" + i + "]";
                unused[i] = true;
            }
        }
        return new Tokens(text, added, special, unused, vocab.size());
    }

    private static int checkedId(Path file, JsonNode id, long limit, String what) {
        if (!id.isIntegralNumber() || !id.canConvertToInt() || id.asInt() < 0 || id.asInt() >= limit) {
            throw new WeightclassException(file + ": " + what + " is " + id + ", not a token id below " + limit
                    + " (the model's vocabulary)");
        }
        return id.asInt();
    }

    /** Merges in either tokenizer.json format: "left right" strings, or [left, right] pairs (transformers 4.45+). */
    private static List<String[]> merges(Path file, JsonNode merges) {
        List<String[]> out = new ArrayList<>(merges.size());
        for (JsonNode m : merges) {
            String[] pair;
            if (m.isTextual()) {
                int sp = m.asText().indexOf(' ');
                pair = sp <= 0 ? null : new String[] {m.asText().substring(0, sp), m.asText().substring(sp + 1)};
            } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
                pair = new String[] {m.get(0).asText(), m.get(1).asText()};
            } else {
                pair = null;
            }
            if (pair == null) throw new WeightclassException(file + ": model.merges[" + out.size() + "] is " + m
                    + ", not a pair of tokens");
            out.add(pair);
        }
        return out;
    }

    private static List<Float> scoresFromMerges(Tokens t, List<String[]> merges) {
        Map<String, Integer> ids = new HashMap<>(t.size() * 2);
        for (int i = t.size() - 1; i >= 0; i--) if (!t.unused[i]) ids.put(t.text[i], i);
        Float[] scores = new Float[t.size()];
        for (int rank = 0; rank < merges.size(); rank++) {
            Integer id = ids.get(merges.get(rank)[0] + merges.get(rank)[1]);
            if (id != null && scores[id] == null) scores[id] = -(1f + rank);
        }
        for (int i = 0; i < scores.length; i++) if (scores[i] == null) scores[i] = t.unused[i] ? -1000f : 0f;
        return Arrays.asList(scores);
    }

    /** llama.cpp's name for the pre-tokenizer: GPT-2's own regex, or a known Split regex before ByteLevel. */
    private static String preName(Path file, JsonNode pre, Consumer<String> warn) {
        List<JsonNode> steps = new ArrayList<>();
        if (pre.path("type").asText("").equals("Sequence")) pre.path("pretokenizers").forEach(steps::add);
        else steps.add(pre);
        for (JsonNode s : steps) {
            String type = s.path("type").asText("");
            if (type.equals("Split")) {
                String name = PRE_BY_REGEX.get(s.path("pattern").path("Regex").asText(""));
                if (name != null) return name;
                break;
            }
            if (type.equals("ByteLevel") && s.path("use_regex").asBoolean(true)) return "gpt-2";
        }
        warn.accept(file + ": pre-tokenizer not recognised; written as tokenizer.ggml.pre = default, "
                + "which may split text differently from the original tokenizer");
        return "default";
    }

    /** Added tokens that should be control tokens even when not marked special (llama.cpp's converter's rule). */
    static boolean looksSpecial(String t) {
        return t.equals("<pad>") || t.equals("<mask>") || t.equals("<2mass>") || t.equals("[@BOS@]")
                || (t.startsWith("<|") && t.endsWith("|>")) || (t.startsWith("<\uff5c") && t.endsWith("\uff5c>"))
                || (t.startsWith("<unused") && t.endsWith(">"));
    }
}
