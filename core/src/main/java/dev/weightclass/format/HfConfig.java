package dev.weightclass.format;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * A Hugging Face {@code config.json}, read into {@link Hyperparameters}. Architectures name the
 * same quantities differently (GPT-2: {@code n_embd}, DistilBERT: {@code dim}, Llama:
 * {@code hidden_size}) and default them differently (Gemma and GPT-2 tie the output projection to
 * the embedding unless told otherwise, Llama does not); both are handled per {@code model_type}.
 * The whole document stays available through {@link #raw()}.
 */
public final class HfConfig {

    /** Largest config.json read; real ones are a few KB. */
    private static final long MAX_BYTES = 16L << 20;

    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());

    /**
     * Where one family keeps each quantity.
     *
     * @param tiedDefault what {@code tie_word_embeddings} is when the file omits it (null: unknown)
     */
    private record Keys(String width, String layers, String heads, String kvHeads, String ffn,
                        String[] context, Boolean tiedDefault) {
        /** An architecture these keys were not checked for: its numbers are optional. */
        boolean generic() { return tiedDefault == null; }
    }

    private static Keys keysFor(String modelType) {
        String[] ctx = {"max_position_embeddings"};
        return switch (modelType) {
            case "llama", "mistral", "qwen2", "phi", "phi3", "mixtral", "qwen3" ->
                    new Keys("hidden_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads",
                            "intermediate_size", ctx, false);
            case "gemma", "gemma2", "gemma3_text" ->
                    new Keys("hidden_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads",
                            "intermediate_size", ctx, true);
            case "gpt2" -> new Keys("n_embd", "n_layer", "n_head", null, "n_inner",
                    new String[] {"n_positions", "n_ctx"}, true);
            case "bert", "roberta", "xlm-roberta" -> new Keys("hidden_size", "num_hidden_layers", "num_attention_heads",
                    null, "intermediate_size", ctx, true);
            case "distilbert" -> new Keys("dim", "n_layers", "n_heads", null, "hidden_dim", ctx, true);
            case "t5", "mt5" -> new Keys("d_model", "num_layers", "num_heads", null, "d_ff", new String[0], true);
            case "gpt_neox" -> new Keys("hidden_size", "num_hidden_layers", "num_attention_heads", null,
                    "intermediate_size", ctx, false);
            case "opt" -> new Keys("hidden_size", "num_hidden_layers", "num_attention_heads", null, "ffn_dim", ctx, true);
            default -> new Keys("hidden_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads",
                    "intermediate_size", ctx, null);
        };
    }

    private final Path file;
    private final JsonNode raw;
    private final String modelType;
    private final Hyperparameters hyperparameters;

    private HfConfig(Path file, JsonNode raw, String modelType, Hyperparameters hyperparameters) {
        this.file = file;
        this.raw = raw;
        this.modelType = modelType;
        this.hyperparameters = hyperparameters;
    }

    /** Reads and checks a config.json. */
    public static HfConfig read(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_BYTES) {
            throw new FormatException(file, null, -1, "config.json of " + size + " bytes is too large to be a model config");
        }
        return parse(file, SmallFiles.read(file, SmallFiles.JSON_LIMIT, "a config.json"));
    }

    /** The config.json in the same folder as a model file, if there is one. */
    public static Optional<HfConfig> beside(Path modelFile) throws IOException {
        Path dir = modelFile.toAbsolutePath().getParent();
        if (dir == null) return Optional.empty();
        Path config = dir.resolve("config.json");
        return Files.isRegularFile(config) ? Optional.of(read(config)) : Optional.empty();
    }

    /** Parses config JSON; {@code file} names it in error messages. */
    public static HfConfig parse(Path file, byte[] json) {
        JsonNode root;
        String text = SmallFiles.utf8(file, json, "a config.json");
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            long chars = e.getLocation() == null ? -1 : e.getLocation().getCharOffset();
            long at = chars < 0 ? -1
                    : text.substring(0, (int) Math.min(chars, text.length())).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            throw new FormatException(file, null, at, "invalid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new FormatException(file, null, -1, "unreadable JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) throw new FormatException(file, null, 0, "config.json must hold a JSON object");
        return of(file, root);
    }

    /** Interprets an already parsed config object. */
    public static HfConfig of(Path file, JsonNode root) {
        JsonNode node = root;
        String prefix = "";
        String type = text(root, "model_type");
        // Multimodal wrappers keep the language model's numbers under text_config.
        if (!root.has(keysFor(type).width()) && root.path("text_config").isObject()) {
            node = root.get("text_config");
            prefix = "text_config.";
            String inner = text(node, "model_type");
            if (!inner.isEmpty()) type = inner;
        }
        Keys k = keysFor(type);
        Reader r = new Reader(file, node, prefix);
        // Known architectures must state their shape; for others, what is missing stays 0 (unknown).
        boolean required = !k.generic();
        int width = r.integer(k.width(), required, 1);
        int layers = r.integer(k.layers(), required, 1);
        int heads = r.integer(k.heads(), required, 1);
        int vocab = r.integer("vocab_size", required, 1);
        int kvHeads = k.kvHeads() == null ? 0 : r.integer(k.kvHeads(), false, 1);
        if (kvHeads == 0) kvHeads = heads;
        int headDim = r.integer("head_dim", false, 1);
        int ffn = r.integer(k.ffn(), false, 1);
        if (ffn == 0 && type.equals("gpt2")) ffn = Math.multiplyExact(4, width); // GPT-2: n_inner null means 4 x n_embd
        int context = 0;
        for (String key : k.context()) {
            context = r.integer(key, false, 1);
            if (context > 0) break;
        }
        if (headDim == 0 && heads > 0 && width > 0) {
            if (width % heads != 0) {
                throw r.error(k.heads(), heads + " heads do not divide the width " + width + " (and no head_dim is given)");
            }
            headDim = width / heads;
        }
        if (heads > 0 && (kvHeads > heads || heads % kvHeads != 0)) {
            throw r.error(k.kvHeads(), kvHeads + " key/value heads do not divide the " + heads + " attention heads");
        }
        Boolean tied = k.tiedDefault();
        JsonNode t = root.get("tie_word_embeddings");
        if (t == null || t.isNull()) t = node.get("tie_word_embeddings");
        if (t != null && !t.isNull()) {
            if (!t.isBoolean()) throw r.error("tie_word_embeddings", "must be true or false, found " + t);
            tied = t.booleanValue();
        }
        String arch = type.isEmpty() ? "unknown" : type.toLowerCase(Locale.ROOT);
        return new HfConfig(file, root, arch,
                new Hyperparameters(arch, layers, width, heads, kvHeads, headDim, ffn, vocab, context, tied));
    }

    public Path file() { return file; }

    /** The whole config document. */
    public JsonNode raw() { return raw; }

    /** {@code model_type}, lower case ("unknown" when absent). */
    public String modelType() { return modelType; }

    public Hyperparameters hyperparameters() { return hyperparameters; }

    private static String text(JsonNode n, String key) {
        JsonNode v = n.get(key);
        return v != null && v.isTextual() ? v.asText().toLowerCase(Locale.ROOT) : "";
    }

    /** Checked integer reads that name the file and the key on failure. */
    private record Reader(Path file, JsonNode node, String prefix) {
        int integer(String key, boolean required, int min) {
            if (key == null) return 0;
            JsonNode v = node.get(key);
            if (v == null || v.isNull()) {
                if (required) throw error(key, "missing required key");
                return 0;
            }
            if (!v.isIntegralNumber() && !(v.isNumber() && v.asDouble() == Math.rint(v.asDouble()))) {
                throw error(key, "must be an integer, found " + v);
            }
            if (!v.canConvertToLong() || v.asLong() > Integer.MAX_VALUE || v.asLong() < Integer.MIN_VALUE) {
                throw error(key, "value " + v + " is out of range");
            }
            long x = v.asLong();
            if (x < min) throw error(key, "must be at least " + min + ", found " + x);
            return (int) x;
        }

        FormatException error(String key, String problem) {
            return new FormatException(file, prefix + key, -1, problem);
        }
    }
}
