package dev.weightclass.format;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Reads what a Hugging Face {@code tokenizer.json} says about the tokenizer: the model type
 * (WordPiece, BPE, Unigram, WordLevel), the vocabulary size (model vocabulary plus added tokens
 * outside it) and the number of BPE merges. Streams the file: vocabularies of a few hundred
 * thousand entries are counted, not built.
 */
public final class TokenizerJson {
    private TokenizerJson() {}

    // Vocabulary tokens arrive as field names: interning 100k of them would dominate the read.
    private static final JsonFactory JSON = JsonFactory.builder()
            .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
            .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES).build();

    /** The tokenizer.json beside {@code modelFile}, if there is one. */
    public static Optional<TokenizerInfo> besides(Path modelFile) {
        Path dir = modelFile.toAbsolutePath().getParent();
        if (dir == null) return Optional.empty();
        Path p = dir.resolve("tokenizer.json");
        return Files.isRegularFile(p) ? Optional.of(read(p)) : Optional.empty();
    }

    public static TokenizerInfo read(Path file) {
        try (JsonParser p = JSON.createParser(file.toFile())) {
            String type = null;
            long vocab = 0, merges = 0;
            Set<Long> addedIds = new HashSet<>();
            long maxVocabId = -1;
            if (p.nextToken() != JsonToken.START_OBJECT) throw bad(file, p, "not a JSON object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken v = p.nextToken();
                if (field.equals("model") && v == JsonToken.START_OBJECT) {
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String mf = p.currentName();
                        JsonToken mv = p.nextToken();
                        if (mf.equals("type") && mv == JsonToken.VALUE_STRING) {
                            type = p.getText();
                        } else if (mf.equals("vocab") && mv == JsonToken.START_OBJECT) {
                            while (p.nextToken() == JsonToken.FIELD_NAME) { // token -> id
                                p.nextToken();
                                if (p.currentToken() == JsonToken.VALUE_NUMBER_INT) maxVocabId = Math.max(maxVocabId, p.getLongValue());
                                else p.skipChildren();
                                vocab++;
                            }
                        } else if (mf.equals("vocab") && mv == JsonToken.START_ARRAY) { // Unigram: [piece, score]
                            while (p.nextToken() != JsonToken.END_ARRAY) {
                                p.skipChildren();
                                vocab++;
                            }
                        } else if (mf.equals("merges") && mv == JsonToken.START_ARRAY) {
                            while (p.nextToken() != JsonToken.END_ARRAY) {
                                p.skipChildren();
                                merges++;
                            }
                        } else {
                            p.skipChildren();
                        }
                    }
                } else if (field.equals("added_tokens") && v == JsonToken.START_ARRAY) {
                    while (p.nextToken() == JsonToken.START_OBJECT) {
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String af = p.currentName();
                            p.nextToken();
                            if (af.equals("id") && p.currentToken() == JsonToken.VALUE_NUMBER_INT) addedIds.add(p.getLongValue());
                            else p.skipChildren();
                        }
                    }
                } else {
                    p.skipChildren();
                }
            }
            if (type == null) throw bad(file, p, "no model.type");
            // Added tokens usually repeat vocabulary entries ([CLS], [SEP]); only new ids grow the vocabulary.
            long size = Math.max(vocab, maxVocabId + 1);
            for (long id : addedIds) if (id >= size) size = id + 1;
            if (size > Integer.MAX_VALUE) throw bad(file, p, "vocabulary of " + size + " tokens");
            return new TokenizerInfo(type, (int) size, (int) Math.min(merges, Integer.MAX_VALUE), Files.size(file));
        } catch (IOException e) {
            throw new FormatException(file, "tokenizer.json", -1, "unreadable JSON: " + firstLine(e.getMessage()));
        }
    }

    private static FormatException bad(Path file, JsonParser p, String problem) {
        return new FormatException(file, "tokenizer.json", p.currentLocation().getByteOffset(), problem);
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i);
    }
}
