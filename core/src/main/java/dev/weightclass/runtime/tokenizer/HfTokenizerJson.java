package dev.weightclass.runtime.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weightclass.WeightclassException;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Reads a Hugging Face {@code tokenizer.json}: WordPiece models (BERT family). */
final class HfTokenizerJson {
    private HfTokenizerJson() {}

    static Tokenizer read(InputStream in, String source) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(dev.weightclass.format.SmallFiles.utf8(java.nio.file.Path.of(source), in.readAllBytes(), "a tokenizer.json"));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new WeightclassException(source + ": not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) throw new WeightclassException(source + ": not a tokenizer.json object");
        JsonNode model = root.path("model");
        String type = model.path("type").asText("");
        if (!type.equals("WordPiece")) {
            throw new WeightclassException(source + ": tokenizer.json model type '" + type
                    + "' is not supported yet (supported: WordPiece)");
        }
        Vocabulary v = vocabulary(root, model.path("vocab"), source);
        v.unk = v.id(model.path("unk_token").asText("[UNK]"));
        String prefix = model.path("continuing_subword_prefix").asText("##");
        int maxChars = model.path("max_input_chars_per_word").asInt(100);

        JsonNode norm = root.path("normalizer");
        boolean clean = true, chinese = true, lower = true;
        Boolean strip = null;
        if (norm.path("type").asText("").equals("BertNormalizer")) {
            clean = norm.path("clean_text").asBoolean(true);
            chinese = norm.path("handle_chinese_chars").asBoolean(true);
            lower = norm.path("lowercase").asBoolean(true);
            if (norm.hasNonNull("strip_accents")) strip = norm.get("strip_accents").asBoolean();
        } else if (!norm.isMissingNode() && !norm.isNull()) {
            throw new WeightclassException(source + ": normalizer '" + norm.path("type").asText() + "' is not supported");
        }
        // BERT: accents go with lowercasing unless the file says otherwise
        boolean stripAccents = strip != null ? strip : lower;

        List<Integer> before = new ArrayList<>(), after = new ArrayList<>();
        template(root.path("post_processor"), v, before, after, source);
        if (!before.isEmpty()) v.bos = before.getFirst();
        if (!after.isEmpty()) v.eos = after.getLast();
        v.sep = v.eos;
        v.addBos = !before.isEmpty() || !after.isEmpty();
        return new HfWordPiece(v, clean, chinese, stripAccents, lower, prefix, maxChars,
                before.stream().mapToInt(Integer::intValue).toArray(),
                after.stream().mapToInt(Integer::intValue).toArray());
    }

    private static Vocabulary vocabulary(JsonNode root, JsonNode vocab, String source) {
        if (!vocab.isObject()) throw new WeightclassException(source + ": model.vocab is not an object");
        // ids are dense in real files; a few holes are tolerated, a huge id is not (it would size the arrays)
        long listed = vocab.size() + root.path("added_tokens").size();
        long limit = listed + 1024;
        int size = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            size = Math.max(size, checkedId(e.getValue(), limit, "model.vocab['" + e.getKey() + "']", source) + 1);
        }
        for (JsonNode t : root.path("added_tokens")) {
            size = Math.max(size, checkedId(t.path("id"), limit, "added_tokens id", source) + 1);
        }
        String[] tokens = new String[size];
        for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            tokens[e.getValue().asInt()] = e.getKey();
        }
        TokenType[] types = new TokenType[size];
        Arrays.fill(types, TokenType.NORMAL);
        for (JsonNode t : root.path("added_tokens")) {
            int id = t.path("id").asInt();
            tokens[id] = t.path("content").asText();
            types[id] = t.path("special").asBoolean(false) ? TokenType.CONTROL : TokenType.USER_DEFINED;
        }
        for (int i = 0; i < size; i++) {
            if (tokens[i] == null) {
                tokens[i] = "[EMPTY_" + i + "]";
                types[i] = TokenType.UNUSED;
            }
        }
        return new Vocabulary(tokens, new float[size], types);
    }

    private static int checkedId(JsonNode id, long limit, String what, String source) {
        if (!id.canConvertToInt() || !id.isIntegralNumber() || id.asInt() < 0 || id.asInt() >= limit) {
            throw new WeightclassException(source + ": " + what + " is " + id
                    + ", not a token id (0 to " + (limit - 1) + " for the tokens listed)");
        }
        return id.asInt();
    }

    /** The special tokens before and after sequence A in a TemplateProcessing "single" template. */
    private static void template(JsonNode post, Vocabulary v, List<Integer> before, List<Integer> after, String source) {
        if (post.isMissingNode() || post.isNull()) return;
        String type = post.path("type").asText("");
        if (type.equals("BertProcessing")) {
            before.add(post.path("cls").path(1).asInt());
            after.add(post.path("sep").path(1).asInt());
            return;
        }
        if (!type.equals("TemplateProcessing")) {
            throw new WeightclassException(source + ": post_processor '" + type + "' is not supported");
        }
        boolean seenA = false;
        for (JsonNode item : post.path("single")) {
            if (item.has("Sequence")) {
                seenA = true;
            } else if (item.has("SpecialToken")) {
                String name = item.path("SpecialToken").path("id").asText();
                JsonNode ids = post.path("special_tokens").path(name).path("ids");
                List<Integer> target = seenA ? after : before;
                if (ids.isArray() && !ids.isEmpty()) for (JsonNode id : ids) target.add(id.asInt());
                else if (v.id(name) >= 0) target.add(v.id(name));
                else throw new WeightclassException(source + ": post_processor names unknown token '" + name + "'");
            }
        }
    }
}
