package dev.weightclass.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weightclass.WeightclassException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The fields of a PEFT {@code adapter_config.json} that decide what a LoRA adapter does.
 *
 * @param r             default rank
 * @param alpha         default {@code lora_alpha}
 * @param targetModules module names the adapter was trained on ({@code target_modules})
 * @param fanInFanOut   the base layers store their weight as [in, out] (GPT-2's Conv1D), so B·A is
 *                      transposed before it is added
 * @param useRslora     scale by alpha / sqrt(r) instead of alpha / r (rank-stabilised LoRA)
 * @param rankPattern   per-module rank overrides (key: a module-name suffix or regular expression)
 * @param alphaPattern  per-module alpha overrides
 * @param baseModel     {@code base_model_name_or_path}, may be empty
 */
public record PeftConfig(int r, double alpha, List<String> targetModules, boolean fanInFanOut, boolean useRslora,
                         Map<String, Integer> rankPattern, Map<String, Double> alphaPattern, String baseModel) {

    public static final String FILE = "adapter_config.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    public PeftConfig {
        targetModules = List.copyOf(targetModules);
        rankPattern = Map.copyOf(rankPattern);
        alphaPattern = Map.copyOf(alphaPattern);
    }

    /** Reads and checks {@code adapter_config.json}. */
    public static PeftConfig read(Path file) throws IOException {
        JsonNode c;
        try {
            c = JSON.readTree(dev.weightclass.format.SmallFiles.text(file, dev.weightclass.format.SmallFiles.JSON_LIMIT, "an adapter_config.json"));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new WeightclassException(file + ": not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (c == null || !c.isObject()) throw new WeightclassException(file + ": not a JSON object");
        String type = c.path("peft_type").asText("LORA");
        if (!type.equalsIgnoreCase("LORA")) {
            throw new WeightclassException(file + ": peft_type is " + type + ", only LORA adapters are supported");
        }
        if (c.path("use_dora").asBoolean(false)) {
            throw new WeightclassException(file + ": use_dora is true: DoRA adapters are not supported");
        }
        int r = requiredInt(c, "r", file);
        if (r < 1) throw new WeightclassException(file + ": r is " + r + ", must be at least 1");
        double alpha = requiredNumber(c, "lora_alpha", file);
        List<String> targets = new ArrayList<>();
        JsonNode t = c.path("target_modules");
        if (t.isArray()) t.forEach(n -> targets.add(n.asText()));
        else if (t.isTextual()) targets.add(t.asText());
        Map<String, Integer> ranks = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = c.path("rank_pattern").fields(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().canConvertToInt() || e.getValue().asInt() < 1) {
                throw new WeightclassException(file + ": rank_pattern[" + e.getKey() + "] is " + e.getValue() + ", not a rank >= 1");
            }
            ranks.put(e.getKey(), e.getValue().asInt());
        }
        Map<String, Double> alphas = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = c.path("alpha_pattern").fields(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().isNumber()) {
                throw new WeightclassException(file + ": alpha_pattern[" + e.getKey() + "] is " + e.getValue() + ", not a number");
            }
            alphas.put(e.getKey(), e.getValue().asDouble());
        }
        return new PeftConfig(r, alpha, targets, c.path("fan_in_fan_out").asBoolean(false),
                c.path("use_rslora").asBoolean(false), ranks, alphas, c.path("base_model_name_or_path").asText(""));
    }

    private static int requiredInt(JsonNode c, String field, Path file) {
        JsonNode n = c.get(field);
        if (n == null || n.isNull()) throw new WeightclassException(file + ": missing field '" + field + "'");
        if (!n.canConvertToInt()) throw new WeightclassException(file + ": field '" + field + "' is " + n + ", not an integer");
        return n.asInt();
    }

    private static double requiredNumber(JsonNode c, String field, Path file) {
        JsonNode n = c.get(field);
        if (n == null || n.isNull()) throw new WeightclassException(file + ": missing field '" + field + "'");
        if (!n.isNumber()) throw new WeightclassException(file + ": field '" + field + "' is " + n + ", not a number");
        return n.asDouble();
    }

    /** The rank PEFT gives {@code module} (rank_pattern first, as PEFT matches keys against the module path). */
    public int rankOf(String module) {
        String key = patternKey(rankPattern.keySet(), module);
        return key == null ? r : rankPattern.get(key);
    }

    public double alphaOf(String module) {
        String key = patternKey(alphaPattern.keySet(), module);
        return key == null ? alpha : alphaPattern.get(key);
    }

    /** The multiplier of B·A for {@code module}: alpha / r, or alpha / sqrt(r) with rsLoRA. */
    public double scaleOf(String module) {
        int rank = rankOf(module);
        return useRslora ? alphaOf(module) / Math.sqrt(rank) : alphaOf(module) / rank;
    }

    /** PEFT's rule: a pattern key matches a module path that ends with it after a dot (keys may be regexes). */
    static String patternKey(Iterable<String> keys, String module) {
        for (String k : keys) {
            if (module.equals(k) || module.endsWith("." + k)) return k;
            try {
                if (Pattern.compile("(.*\\.)?(" + k + ")$").matcher(module).matches()) return k;
            } catch (java.util.regex.PatternSyntaxException ignored) {
                // not a regex: only the literal match above applies
            }
        }
        return null;
    }

    /** The JSON PEFT writes (the fields PEFT needs to load the adapter). */
    public String toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("peft_type", "LORA");
        o.put("task_type", "CAUSAL_LM");
        o.put("base_model_name_or_path", baseModel);
        o.put("r", r);
        if (alpha == Math.rint(alpha)) o.put("lora_alpha", (long) alpha);
        else o.put("lora_alpha", alpha);
        o.putArray("target_modules").addAll(targetModules.stream().map(o::textNode).toList());
        o.put("fan_in_fan_out", fanInFanOut);
        o.put("use_rslora", useRslora);
        ObjectNode rp = o.putObject("rank_pattern");
        rankPattern.forEach(rp::put);
        ObjectNode ap = o.putObject("alpha_pattern");
        alphaPattern.forEach(ap::put);
        o.put("bias", "none");
        o.put("lora_dropout", 0.0);
        o.put("inference_mode", true);
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
