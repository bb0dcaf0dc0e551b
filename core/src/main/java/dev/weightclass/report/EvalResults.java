package dev.weightclass.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weightclass.WeightclassException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Quality results of several variants for the quality-versus-size chart. The file
 * ({@code report --eval results.json}) is what {@code eval --json} prints for each variant plus
 * its size:
 * <pre>
 * {"metric": "perplexity",                      (optional: perplexity, mean_kl or delta_perplexity)
 *  "variants": [
 *    {"name": "Q4_0", "bytes": 1234567,         (name defaults to the model's file name; bytes to
 *     "model": "m-q4_0.gguf",                    the model file's size when it exists)
 *     "perplexity": 5.93, "mean_kl": 0.026, ...} (the rest as eval --json prints it)
 *  ]}
 * </pre>
 * A bare JSON array of variant objects is read the same way.
 *
 * @param metric   the quality measure, lower is better
 * @param variants one point per variant
 */
public record EvalResults(String metric, List<Point> variants) {

    /** One variant: its size, its quality, whether no other variant is both smaller and better. */
    public record Point(String name, long bytes, double value, boolean pareto, Map<String, Object> fields) {}

    public static final List<String> METRICS = List.of("perplexity", "mean_kl", "delta_perplexity");

    public static EvalResults read(Path file, String metricOverride) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readAllBytes(file));
        } catch (JsonProcessingException e) {
            throw new WeightclassException(file + ": not valid JSON at line " + e.getLocation().getLineNr()
                    + ": " + e.getOriginalMessage());
        }
        JsonNode list = root == null ? null : root.isArray() ? root : root.get("variants");
        if (list == null || !list.isArray() || list.isEmpty()) {
            throw new WeightclassException(file + ": expected {\"variants\": [...]} with at least one variant");
        }
        String metric = metricOverride != null ? metricOverride
                : root.isObject() && root.hasNonNull("metric") ? root.get("metric").asText() : "perplexity";
        if (!METRICS.contains(metric)) {
            throw new WeightclassException(file + ": metric must be one of " + METRICS + ", got '" + metric + "'");
        }
        List<Point> raw = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode v = list.get(i);
            String where = file + ": variant " + (i + 1);
            if (!v.isObject()) throw new WeightclassException(where + ": expected an object");
            Path model = v.hasNonNull("model") ? resolve(file, v.get("model").asText()) : null;
            String name = v.hasNonNull("name") ? v.get("name").asText()
                    : model != null ? model.getFileName().toString() : null;
            if (name == null || name.isBlank()) throw new WeightclassException(where + ": needs 'name' or 'model'");
            long bytes;
            if (v.has("bytes")) {
                if (!v.get("bytes").canConvertToLong() || v.get("bytes").asLong() <= 0) {
                    throw new WeightclassException(where + " (" + name + "): 'bytes' must be a positive integer");
                }
                bytes = v.get("bytes").asLong();
            } else if (model != null && Files.isRegularFile(model)) {
                bytes = Files.size(model);
            } else {
                throw new WeightclassException(where + " (" + name + "): missing 'bytes' (and 'model' is not a file here)");
            }
            JsonNode m = v.get(metric);
            if (m == null || !m.isNumber() || !Double.isFinite(m.asDouble())) {
                throw new WeightclassException(where + " (" + name + "): missing numeric '" + metric + "'");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> fields = new ObjectMapper().convertValue(v, LinkedHashMap.class);
            fields.put("name", name);
            fields.put("bytes", bytes);
            raw.add(new Point(name, bytes, m.asDouble(), false, fields));
        }
        return new EvalResults(metric, pareto(raw));
    }

    private static Path resolve(Path resultsFile, String model) {
        Path p = Path.of(model);
        if (p.isAbsolute() || Files.exists(p)) return p;
        Path dir = resultsFile.toAbsolutePath().getParent();
        return dir == null ? p : dir.resolve(p);
    }

    /**
     * Marks the Pareto front: a point is on it when every point at most as large is worse
     * (smaller size and lower metric both better).
     */
    public static List<Point> pareto(List<Point> points) {
        List<Point> sorted = new ArrayList<>(points);
        sorted.sort(Comparator.comparingLong(Point::bytes).thenComparingDouble(Point::value));
        List<Point> out = new ArrayList<>();
        double best = Double.POSITIVE_INFINITY;
        for (Point p : sorted) {
            boolean front = p.value() < best;
            if (front) best = p.value();
            Map<String, Object> f = new LinkedHashMap<>(p.fields());
            f.put("pareto", front);
            out.add(new Point(p.name(), p.bytes(), p.value(), front, f));
        }
        return out;
    }

    public Map<String, Object> toJson() {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("metric", metric);
        j.put("variants", variants.stream().map(Point::fields).toList());
        return j;
    }
}
