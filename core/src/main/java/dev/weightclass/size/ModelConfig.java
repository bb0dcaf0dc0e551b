package dev.weightclass.size;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weightclass.WeightclassException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A Hugging Face {@code config.json}, read with checks: a missing or impossible value is a
 * user error naming the file and the field.
 */
public final class ModelConfig {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final String source;
    private final ObjectNode json;

    public ModelConfig(String source, ObjectNode json) {
        this.source = source;
        this.json = json;
    }

    public static ModelConfig read(Path file) throws IOException {
        JsonNode n;
        try {
            n = MAPPER.readTree(dev.weightclass.format.SmallFiles.text(file, dev.weightclass.format.SmallFiles.JSON_LIMIT, "a config.json"));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new WeightclassException(file + ": not valid JSON (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + "): " + e.getOriginalMessage());
        }
        if (!(n instanceof ObjectNode o)) throw new WeightclassException(file + ": a config.json must be a JSON object");
        return new ModelConfig(file.toString(), o);
    }

    public static ModelConfig of(String source, JsonNode json) {
        if (!(json instanceof ObjectNode o)) throw new WeightclassException(source + ": a config must be a JSON object");
        return new ModelConfig(source, o);
    }

    public String source() { return source; }

    public ObjectNode json() { return json; }

    public boolean has(String key) {
        return json.hasNonNull(key);
    }

    /** The architecture name: {@code model_type}, else derived from {@code architectures[0]}. */
    public String modelType() {
        if (has("model_type")) return json.get("model_type").asText().toLowerCase(Locale.ROOT);
        JsonNode a = json.get("architectures");
        if (a != null && a.isArray() && !a.isEmpty()) {
            String cls = a.get(0).asText();
            return cls.replaceAll("(For|Model|LMHead).*$", "").toLowerCase(Locale.ROOT);
        }
        throw new WeightclassException(source + ": no 'model_type' (or 'architectures') field, cannot tell the architecture");
    }

    /** A required positive integer, trying the given keys in order (architectures name them differently). */
    public int positive(String... keys) {
        for (String k : keys) if (has(k)) return checkPositive(k, json.get(k));
        throw new WeightclassException(source + ": missing field '" + keys[0] + "' (needed for " + safeType() + ")");
    }

    /** An optional positive integer; {@code fallback} when absent. */
    public int positiveOr(int fallback, String... keys) {
        for (String k : keys) if (has(k)) return checkPositive(k, json.get(k));
        return fallback;
    }

    public boolean bool(String key, boolean fallback) {
        if (!has(key)) return fallback;
        JsonNode v = json.get(key);
        if (!v.isBoolean()) throw new WeightclassException(source + ": field '" + key + "' must be true or false, got " + v);
        return v.asBoolean();
    }

    public String text(String key, String fallback) {
        return has(key) ? json.get(key).asText() : fallback;
    }

    public JsonNode node(String key) { return json.get(key); }

    private int checkPositive(String key, JsonNode v) {
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new WeightclassException(source + ": field '" + key + "' must be a whole number, got " + v);
        }
        int i = v.asInt();
        if (i <= 0) throw new WeightclassException(source + ": field '" + key + "' must be positive, got " + i);
        return i;
    }

    private String safeType() {
        try {
            return modelType();
        } catch (WeightclassException e) {
            return "this model";
        }
    }

    /** Fails with the file and fields when a relation between values does not hold. */
    public void require(boolean ok, String message) {
        if (!ok) throw new WeightclassException(source + ": " + message);
    }
}
