package dev.weightclass.size;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weightclass.WeightclassException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Built-in catalog of popular models with their real Hugging Face configurations, published
 * parameter counts and, where known, published GGUF file sizes (resource
 * {@code dev/weightclass/size/catalog.json}).
 */
public final class Catalog {
    private Catalog() {}

    /** A published GGUF file: what a download really weighs. */
    public record PublishedFile(String repo, String file, String type, long bytes) {}

    /**
     * One catalog model. {@code raw} is the whole JSON entry, so other features can read fields
     * they add (quality scores...).
     */
    public record Entry(String name, List<String> aliases, String huggingFaceId, ModelConfig config,
                        String tokenizerFamily, int chatTemplateBytes, long publishedParameters,
                        String parameterSource, List<PublishedFile> publishedFiles, JsonNode raw) {

        /** The model's tensors and tokenizer, built from its configuration. */
        public ModelSpec spec() {
            ModelSpec s = Architectures.fromConfig(config, name);
            TokenizerEstimate t = TokenizerFamilies.estimate(tokenizerFamily, s.hyperparameters().vocabSize(), chatTemplateBytes);
            return new ModelSpec(s.name(), s.ggufArch(), s.hyperparameters(), s.experts(), s.weights(), s.ggufTensors(), t, s.config());
        }
    }

    private static volatile List<Entry> entries;

    public static List<Entry> all() {
        List<Entry> e = entries;
        if (e == null) {
            synchronized (Catalog.class) {
                if (entries == null) entries = load();
                e = entries;
            }
        }
        return e;
    }

    public static Optional<Entry> find(String name) {
        String n = norm(name);
        for (Entry e : all()) {
            if (norm(e.name).equals(n) || norm(e.huggingFaceId).equals(n)) return Optional.of(e);
            for (String a : e.aliases) if (norm(a).equals(n)) return Optional.of(e);
        }
        return Optional.empty();
    }

    /** The entry, or a user error suggesting the nearest names. */
    public static Entry get(String name) {
        return find(name).orElseThrow(() -> new WeightclassException("unknown model '" + name + "': not a file and not in the catalog"
                + suggestion(name) + " (see 'weightclass size --list-catalog')"));
    }

    static String suggestion(String name) {
        String n = norm(name);
        record Scored(String name, int d) {}
        List<Scored> scored = new ArrayList<>();
        for (Entry e : all()) {
            int best = dev.weightclass.EditDistance.between(n, norm(e.name));
            for (String a : e.aliases) best = Math.min(best, dev.weightclass.EditDistance.between(n, norm(a)));
            scored.add(new Scored(e.name, best));
        }
        scored.sort(Comparator.comparingInt(Scored::d));
        if (scored.isEmpty() || scored.getFirst().d > Math.max(3, n.length() / 2)) return "";
        List<String> close = scored.stream().filter(s -> s.d <= scored.getFirst().d + 1).limit(3).map(Scored::name).toList();
        return "; did you mean " + String.join(" or ", close) + "?";
    }

    private static String norm(String s) {
        return s == null ? "" : s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.]", "");
    }

    private static List<Entry> load() {
        try (InputStream in = Catalog.class.getResourceAsStream("catalog.json")) {
            if (in == null) throw new IllegalStateException("catalog.json resource missing");
            JsonNode root = new ObjectMapper().readTree(in);
            List<Entry> out = new ArrayList<>();
            for (JsonNode m : root.get("models")) {
                String name = m.get("name").asText();
                List<String> aliases = new ArrayList<>();
                m.path("aliases").forEach(a -> aliases.add(a.asText()));
                List<PublishedFile> files = new ArrayList<>();
                m.path("published_gguf").forEach(f -> files.add(new PublishedFile(f.get("repo").asText(),
                        f.get("file").asText(), f.get("type").asText(), f.get("bytes").asLong())));
                JsonNode tok = m.path("tokenizer");
                out.add(new Entry(name, List.copyOf(aliases), m.path("hf").asText(null),
                        ModelConfig.of("catalog:" + name, m.get("config")), tok.path("family").asText(),
                        tok.path("chat_template_bytes").asInt(0), m.path("published").path("parameters").asLong(-1),
                        m.path("published").path("source").asText(""), List.copyOf(files), m));
            }
            return Collections.unmodifiableList(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
