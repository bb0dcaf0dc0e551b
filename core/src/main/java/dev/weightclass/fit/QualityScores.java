package dev.weightclass.fit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weightclass.WeightclassException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Published quality scores per model (built-in {@code scores.json}: MMLU 5-shot from each model's
 * own report) plus the user's own.
 */
public final class QualityScores {

    /** A score and where it comes from. */
    public record Score(String model, double value, String metric, String source) {}

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final Map<String, Score> byModel;

    private QualityScores(Map<String, Score> byModel) {
        this.byModel = byModel;
    }

    public static QualityScores builtIn() {
        try (InputStream in = QualityScores.class.getResourceAsStream("scores.json")) {
            if (in == null) throw new IllegalStateException("scores.json missing from the build");
            return new QualityScores(parse(MAPPER.readTree(in), "built-in scores.json"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** These scores with a user file's on top (a model in the file replaces its built-in score). */
    public QualityScores with(Path file) throws IOException {
        JsonNode root;
        try {
            root = MAPPER.readTree(dev.weightclass.format.SmallFiles.text(file, dev.weightclass.format.SmallFiles.JSON_LIMIT, "a scores file"));
        } catch (JsonProcessingException e) {
            throw new WeightclassException(file + ": not valid JSON at line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage());
        }
        if (root == null) throw new WeightclassException(file + ": empty scores file");
        Map<String, Score> all = new LinkedHashMap<>(byModel);
        all.putAll(parse(root, file.toString()));
        return new QualityScores(all);
    }

    public Optional<Score> of(String model) {
        return Optional.ofNullable(byModel.get(norm(model)));
    }

    static Map<String, Score> parse(JsonNode root, String where) {
        JsonNode list = root.isArray() ? root : root.get("scores");
        if (list == null || !list.isArray()) {
            throw new WeightclassException(where + ": expected {\"scores\": [{\"model\": ..., \"score\": ...}]}");
        }
        Map<String, Score> out = new LinkedHashMap<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode s = list.get(i);
            String at = where + ": score " + (i + 1);
            if (!s.isObject() || !s.path("model").isTextual() || s.path("model").asText().isBlank()) {
                throw new WeightclassException(at + ": needs a \"model\" name");
            }
            JsonNode v = s.get("score");
            if (v == null || !v.isNumber() || !Double.isFinite(v.asDouble()) || v.asDouble() < 0) {
                throw new WeightclassException(at + " (" + s.get("model").asText() + "): \"score\" must be a number >= 0");
            }
            String model = s.get("model").asText();
            out.put(norm(model), new Score(model, v.asDouble(), s.path("metric").asText("score"),
                    s.path("source").asText("")));
        }
        return out;
    }

    static String norm(String s) {
        return s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.]", "");
    }
}
