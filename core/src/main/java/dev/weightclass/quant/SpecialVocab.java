package dev.weightclass.quant;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weightclass.format.gguf.GgufValue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Special token ids and add-BOS/EOS flags of a Hugging Face model folder, found where
 * llama.cpp's converter looks for them: the post-processor template of {@code tokenizer.json}
 * (does it put a special token before/after the text?), then {@code tokenizer_config.json}
 * ({@code add_bos_token}, {@code bos_token} named by content and resolved through
 * tokenizer.json's added tokens), then {@code config.json} ({@code bos_token_id}, ...). The
 * first source to name an id wins; ids past the vocabulary are ignored.
 */
final class SpecialVocab {
    private static final List<String> TYPES = List.of("bos", "eos", "unk", "sep", "pad", "cls", "mask");
    /** GGUF key of each special id (llama.cpp spells the separator "seperator"). */
    private static final Map<String, String> ID_KEYS = Map.of("bos", "bos_token_id", "eos", "eos_token_id",
            "unk", "unknown_token_id", "sep", "seperator_token_id", "pad", "padding_token_id",
            "cls", "cls_token_id", "mask", "mask_token_id");
    /** Only these add_*_token flags have a GGUF key. */
    private static final List<String> ADD_FLAGS = List.of("bos", "eos", "sep");

    final Map<String, Integer> ids = new LinkedHashMap<>();
    final Map<String, Boolean> add = new LinkedHashMap<>();
    String chatTemplate;
    private final int vocabSize;

    private SpecialVocab(int vocabSize) { this.vocabSize = vocabSize; }

    /**
     * @param tokenizerJson the parsed tokenizer.json, or null when there is none
     * @param vocabSize     the number of tokens written (ids at or past it are ignored)
     */
    static SpecialVocab read(Path dir, JsonNode tokenizerJson, int vocabSize) throws java.io.IOException {
        SpecialVocab s = new SpecialVocab(vocabSize);
        JsonNode tc = HfJson.readOptional(dir.resolve("tokenizer_config.json"), "a tokenizer_config.json");
        if (tokenizerJson != null) s.fromTemplate(tokenizerJson.path("post_processor"), tc);
        if (tc != null) {
            JsonNode ct = tc.get("chat_template");
            if (ct != null && ct.isTextual()) s.chatTemplate = ct.asText();
            JsonNode added = tokenizerJson == null ? null : tokenizerJson.path("added_tokens");
            for (String typ : TYPES) {
                JsonNode flag = tc.get("add_" + typ + "_token");
                if (flag != null && flag.isBoolean()) s.add.put(typ, flag.asBoolean());
                String content = content(tc.get(typ + "_token"));
                if (content == null || added == null) continue;
                for (JsonNode t : added) {
                    if (content.equals(t.path("content").asText(null))) {
                        s.set(typ, t.path("id"));
                        break;
                    }
                }
            }
        }
        JsonNode config = HfJson.readOptional(dir.resolve("config.json"), "a config.json");
        if (config != null) for (String typ : TYPES) s.set(typ, config.get(typ + "_token_id"));
        return s;
    }

    /** A TemplateProcessing "single" template starting (ending) with BOS (EOS) means the tokenizer adds it. */
    private void fromTemplate(JsonNode post, JsonNode tc) {
        if (post.isMissingNode() || post.isNull()) return;
        JsonNode list = post.has("processors") ? post.get("processors") : null;
        for (JsonNode p : list != null ? list : List.of(post)) {
            String type = p.path("type").asText("");
            if (type.equals("RobertaProcessing")) {
                add.put("bos", true);
                add.put("eos", true);
                add.put("sep", true);
            } else if (type.equals("TemplateProcessing")) {
                JsonNode single = p.path("single");
                if (single.size() <= 1) continue;
                String bos = tc == null ? null : content(tc.get("bos_token"));
                String eos = tc == null ? null : content(tc.get("eos_token"));
                String first = single.get(0).path("SpecialToken").path("id").asText(null);
                String last = single.get(single.size() - 1).path("SpecialToken").path("id").asText(null);
                if (first != null) add.put("bos", tc == null || first.equals(bos));
                if (last != null) add.put("eos", tc == null || last.equals(eos));
            }
        }
    }

    private static String content(JsonNode entry) {
        if (entry == null) return null;
        if (entry.isTextual()) return entry.asText();
        JsonNode c = entry.get("content");
        return c != null && c.isTextual() ? c.asText() : null;
    }

    private void set(String typ, JsonNode id) {
        if (id == null || !id.isIntegralNumber() || !id.canConvertToInt()) return;
        int v = id.asInt();
        if (v < 0 || v >= vocabSize || ids.containsKey(typ)) return;
        ids.put(typ, v);
    }

    /** The ids and flags as GGUF keys, in the order llama.cpp's converter writes them. */
    void addTo(Map<String, GgufValue> kv) {
        ids.forEach((typ, id) -> kv.put("tokenizer.ggml." + ID_KEYS.get(typ), GgufValue.u32(id)));
        add.forEach((typ, on) -> {
            if (ADD_FLAGS.contains(typ)) kv.put("tokenizer.ggml.add_" + typ + "_token", GgufValue.bool(on));
        });
        if (chatTemplate != null) kv.put("tokenizer.chat_template", GgufValue.string(chatTemplate));
    }
}
