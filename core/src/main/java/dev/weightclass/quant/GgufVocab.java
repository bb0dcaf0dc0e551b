package dev.weightclass.quant;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.CodedInputStream;
import dev.weightclass.WeightclassException;
import dev.weightclass.format.gguf.GgufFile;
import dev.weightclass.format.gguf.GgufValue;
import dev.weightclass.format.gguf.GgufValueType;
import dev.weightclass.format.llama2c.Llama2cTokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tokenizer as GGUF {@code tokenizer.ggml.*} keys, from the files models ship it in: a
 * llama2.c {@code tokenizer.bin}, a SentencePiece {@code tokenizer.model}, or another GGUF.
 * Token types use llama.cpp's numbering (1 normal, 2 unknown, 3 control, 4 user-defined,
 * 5 unused, 6 byte), which is SentencePiece's own.
 */
final class GgufVocab {
    private GgufVocab() {}

    static final int NORMAL = 1, UNKNOWN = 2, CONTROL = 3, UNUSED = 5, BYTE = 6;
    private static final char SPACE = '\u2581';

    /** {@code --vocab FILE}: a GGUF (its tokenizer keys) or a llama2.c tokenizer.bin. */
    static Map<String, GgufValue> fromFile(Path file, int vocabSize) throws IOException {
        if (!Files.isRegularFile(file)) throw new WeightclassException("--vocab " + file + ": no such file");
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(4);
        }
        if (new String(head, StandardCharsets.ISO_8859_1).equals("GGUF")) return fromGguf(file, vocabSize);
        return fromLlama2c(Llama2cTokenizer.read(file), vocabSize);
    }

    static Map<String, GgufValue> fromGguf(Path file, int vocabSize) throws IOException {
        try (GgufFile g = GgufFile.open(file)) {
            Map<String, GgufValue> kv = new LinkedHashMap<>();
            g.kv().forEach((k, v) -> { if (k.startsWith("tokenizer.")) kv.put(k, v); });
            GgufValue tokens = kv.get("tokenizer.ggml.tokens");
            if (tokens == null) throw new WeightclassException("--vocab " + file + ": this GGUF has no tokenizer");
            checkSize(file, tokens.size(), vocabSize);
            return kv;
        }
    }

    /**
     * llama2.c's tokenizer.bin as llama.cpp's SentencePiece vocabulary: pieces with U+2581 for
     * spaces (llama2.c's export wrote plain spaces), ids 0..2 as {@code <unk> <s> </s>}, the
     * stored scores, byte pieces {@code <0xNN>} typed BYTE.
     */
    static Map<String, GgufValue> fromLlama2c(Llama2cTokenizer tok, int vocabSize) {
        checkSize(tok.path(), tok.size(), vocabSize);
        List<String> tokens = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        List<Integer> types = new ArrayList<>();
        for (int i = 0; i < tok.size(); i++) {
            String t = new String(tok.piece(i), StandardCharsets.UTF_8);
            t = i <= 2 ? t.strip() : t.replace(' ', SPACE);
            tokens.add(t);
            scores.add(tok.score(i));
            types.add(i == 0 ? UNKNOWN : i <= 2 ? CONTROL : isByte(t) ? BYTE : NORMAL);
        }
        return spm(tokens, scores, types, 0, 1, 2);
    }

    /**
     * A SentencePiece model file (protobuf ModelProto) beside Hugging Face weights, as llama.cpp's
     * converter reads it: pieces, scores and types (user-defined pieces count as normal), ids up to
     * the model's vocabulary padded with {@code [PADn]}, tokens of tokenizer_config.json's
     * {@code added_tokens_decoder} put in place, special ids from {@link SpecialVocab} and else from
     * the model's TrainerSpec.
     */
    static Map<String, GgufValue> fromSentencePiece(Path file, int vocabSize) throws IOException {
        List<String> tokens = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        List<Integer> types = new ArrayList<>();
        int[] special = {0, 1, 2}; // unk, bos, eos: SentencePiece's defaults
        try (InputStream in = Files.newInputStream(file)) {
            CodedInputStream c = CodedInputStream.newInstance(in);
            c.setSizeLimit(Integer.MAX_VALUE);
            for (int tag; (tag = c.readTag()) != 0; ) {
                int field = tag >>> 3;
                if (field == 1) { // repeated SentencePiece pieces
                    int limit = c.pushLimit(c.readRawVarint32());
                    String piece = "";
                    float score = 0;
                    int type = NORMAL;
                    for (int t; (t = c.readTag()) != 0; ) {
                        switch (t >>> 3) {
                            case 1 -> piece = c.readString();
                            case 2 -> score = c.readFloat();
                            case 3 -> type = c.readEnum();
                            default -> c.skipField(t);
                        }
                    }
                    c.popLimit(limit);
                    tokens.add(piece);
                    scores.add(score);
                    types.add(type == UNKNOWN || type == CONTROL || type == UNUSED || type == BYTE ? type : NORMAL);
                } else if (field == 2) { // TrainerSpec: unk_id 40, bos_id 41, eos_id 42
                    int limit = c.pushLimit(c.readRawVarint32());
                    for (int t; (t = c.readTag()) != 0; ) {
                        int f = t >>> 3;
                        if (f >= 40 && f <= 42) special[f - 40] = c.readInt32();
                        else c.skipField(t);
                    }
                    c.popLimit(limit);
                } else {
                    c.skipField(tag);
                }
            }
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new WeightclassException(file + ": not a SentencePiece model (" + e.getMessage() + ")");
        }
        if (tokens.isEmpty()) throw new WeightclassException(file + ": SentencePiece model has no pieces");
        checkSize(file, tokens.size(), vocabSize);
        for (int i = tokens.size(); i < vocabSize; i++) {
            tokens.add("[PAD" + i + "]");
            scores.add(-10000f);
            types.add(UNUSED);
        }
        Path dir = file.toAbsolutePath().getParent();
        addedTokens(dir, tokens, scores, types);
        Map<String, GgufValue> kv = new LinkedHashMap<>();
        kv.put("tokenizer.ggml.model", GgufValue.string("llama"));
        kv.put("tokenizer.ggml.pre", GgufValue.string("default")); // what llama.cpp's converter writes
        kv.putAll(spm(tokens, scores, types));
        SpecialVocab sv = SpecialVocab.read(dir, HfJson.readOptional(dir.resolve("tokenizer.json"), "a tokenizer.json"),
                tokens.size());
        String[] names = {"unk", "bos", "eos"};
        for (int i = 0; i < 3; i++) if (special[i] >= 0 && special[i] < tokens.size()) sv.ids.putIfAbsent(names[i], special[i]);
        sv.add.putIfAbsent("bos", true); // llama.cpp's defaults for a SentencePiece vocabulary
        sv.add.putIfAbsent("eos", false);
        sv.addTo(kv);
        return kv;
    }

    /** tokenizer_config.json's added_tokens_decoder: tokens placed at their ids (control when special). */
    private static void addedTokens(Path dir, List<String> tokens, List<Float> scores, List<Integer> types) throws IOException {
        JsonNode tc = HfJson.readOptional(dir.resolve("tokenizer_config.json"), "a tokenizer_config.json");
        if (tc == null) return;
        for (Iterator<Map.Entry<String, JsonNode>> it = tc.path("added_tokens_decoder").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            int id;
            try {
                id = Integer.parseInt(e.getKey());
            } catch (NumberFormatException x) {
                continue;
            }
            String content = e.getValue().path("content").asText(null);
            if (id < 0 || id >= tokens.size() || content == null) continue;
            boolean control = e.getValue().path("special").asBoolean(false) || HfTokenizerVocab.looksSpecial(content);
            tokens.set(id, control ? content : content.replace(SPACE, ' '));
            scores.set(id, -1000f);
            types.set(id, control ? CONTROL : HfTokenizerVocab.USER_DEFINED);
        }
    }

    private static Map<String, GgufValue> spm(List<String> tokens, List<Float> scores, List<Integer> types) {
        Map<String, GgufValue> kv = new LinkedHashMap<>();
        kv.put("tokenizer.ggml.model", GgufValue.string("llama"));
        kv.put("tokenizer.ggml.tokens", GgufValue.array(GgufValueType.STRING, tokens));
        kv.put("tokenizer.ggml.scores", GgufValue.array(GgufValueType.FLOAT32, scores));
        kv.put("tokenizer.ggml.token_type", GgufValue.array(GgufValueType.INT32, types));
        return kv;
    }

    private static Map<String, GgufValue> spm(List<String> tokens, List<Float> scores, List<Integer> types,
                                              int unk, int bos, int eos) {
        Map<String, GgufValue> kv = spm(tokens, scores, types);
        if (unk >= 0) kv.put("tokenizer.ggml.unknown_token_id", GgufValue.u32(unk));
        if (bos >= 0) kv.put("tokenizer.ggml.bos_token_id", GgufValue.u32(bos));
        if (eos >= 0) kv.put("tokenizer.ggml.eos_token_id", GgufValue.u32(eos));
        kv.put("tokenizer.ggml.add_bos_token", GgufValue.bool(true));
        kv.put("tokenizer.ggml.add_eos_token", GgufValue.bool(false));
        return kv;
    }

    private static boolean isByte(String t) {
        return t.length() == 6 && t.startsWith("<0x") && t.endsWith(">")
                && Character.digit(t.charAt(3), 16) >= 0 && Character.digit(t.charAt(4), 16) >= 0;
    }

    /** A tokenizer larger than the embedding would index past it; a smaller one is padded by some models, so allowed. */
    private static void checkSize(Path file, int tokens, int vocabSize) {
        if (vocabSize > 0 && tokens > vocabSize) {
            throw new WeightclassException(file + ": tokenizer has " + tokens + " tokens but the model's vocabulary is "
                    + vocabSize + " (wrong tokenizer for this model)");
        }
    }
}
