package dev.weightclass.format.safetensors;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weightclass.format.FormatException;
import dev.weightclass.format.HfConfig;
import dev.weightclass.format.Hyperparameters;
import dev.weightclass.format.MappedFile;
import dev.weightclass.format.ModelFile;
import dev.weightclass.format.ModelFormat;
import dev.weightclass.format.TokenizerInfo;
import dev.weightclass.format.TokenizerJson;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorRoles;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * A safetensors model: one file, or the shards a {@code model.safetensors.index.json} lists,
 * viewed as one model. Hyperparameters come from the {@code config.json} beside it, or, without
 * one, from what the tensor shapes tell; the tokenizer from the {@code tokenizer.json} beside it.
 */
public final class SafetensorsFile implements ModelFile {

    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());
    private static final long MAX_INDEX_BYTES = 64L << 20;

    private final Path path;
    private final List<MappedFile> files;
    private final List<SafetensorsHeader> headers;
    private final List<TensorInfo> tensors;
    private final Map<String, Object> metadata;
    private final Hyperparameters hyperparameters;
    private final Optional<HfConfig> config;
    private final Optional<TokenizerInfo> tokenizer;

    private SafetensorsFile(Path path, List<MappedFile> files, List<SafetensorsHeader> headers,
                            Map<String, Object> extraMetadata) throws IOException {
        this.path = path;
        this.files = List.copyOf(files);
        this.headers = List.copyOf(headers);
        List<TensorInfo> ts = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        Map<String, Object> meta = new LinkedHashMap<>();
        for (int i = 0; i < headers.size(); i++) {
            SafetensorsHeader h = headers.get(i);
            for (SafetensorsHeader.Entry e : h.entries()) {
                Integer before = seen.put(e.name(), i);
                if (before != null) {
                    throw new FormatException(h.file(), e.name(), e.headerOffset(),
                            "tensor is also in shard " + headers.get(before).file().getFileName());
                }
                TensorRoles.Classification c = TensorRoles.classify(e.name());
                ts.add(new TensorInfo(e.name(), e.shape(), e.type(), i, h.dataStart() + e.begin(),
                        e.byteSize(), c.role(), c.layer()));
            }
            h.metadata().forEach(meta::putIfAbsent);
        }
        extraMetadata.forEach(meta::putIfAbsent);
        this.tensors = List.copyOf(ts);
        this.config = HfConfig.beside(path);
        config.ifPresent(c -> meta.putIfAbsent("config.model_type", c.modelType()));
        this.metadata = Collections.unmodifiableMap(meta);
        Hyperparameters h = TensorShapes.hyperparameters(config.map(HfConfig::hyperparameters), tensors);
        if (config.isEmpty() && adapterConfig(path, meta)) {
            h = new Hyperparameters("lora", h.layers(), h.embeddingWidth(), h.heads(), h.kvHeads(), h.headDim(),
                    h.ffnWidth(), h.vocabSize(), h.contextLength(), h.tiedEmbeddings());
        }
        this.hyperparameters = h;
        this.tokenizer = TokenizerJson.besides(path);
    }

    /**
     * A PEFT adapter's {@code adapter_config.json} beside the file: its type, rank, alpha, targets
     * and base model go into the metadata ({@code adapter.*}). False when there is none.
     */
    private static boolean adapterConfig(Path model, Map<String, Object> meta) throws IOException {
        Path dir = model.toAbsolutePath().getParent();
        Path p = dir == null ? null : dir.resolve("adapter_config.json");
        if (p == null || !Files.isRegularFile(p) || Files.size(p) > MAX_INDEX_BYTES) return false;
        JsonNode root;
        try {
            root = JSON.readTree(dev.weightclass.format.SmallFiles.text(p, dev.weightclass.format.SmallFiles.JSON_LIMIT, "a config.json"));
        } catch (JsonProcessingException e) {
            long at = e.getLocation() == null ? -1 : e.getLocation().getByteOffset();
            throw new FormatException(p, null, at, "invalid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) return false;
        String[][] keys = {{"peft_type", "type"}, {"r", "r"}, {"lora_alpha", "lora_alpha"},
                {"base_model_name_or_path", "base_model"}, {"fan_in_fan_out", "fan_in_fan_out"}};
        for (String[] k : keys) {
            JsonNode v = root.get(k[0]);
            if (v == null || v.isNull()) continue;
            meta.put("adapter." + k[1], v.isIntegralNumber() ? (Object) v.asLong()
                    : v.isBoolean() ? (Object) v.asBoolean() : v.asText());
        }
        JsonNode targets = root.get("target_modules");
        if (targets != null && targets.isArray()) {
            List<String> t = new ArrayList<>();
            targets.forEach(x -> t.add(x.asText()));
            meta.put("adapter.target_modules", List.copyOf(t));
        }
        return true;
    }

    /** Opens a {@code .safetensors} file or a {@code .safetensors.index.json} and all its shards. */
    public static SafetensorsFile open(Path file) throws IOException {
        if (file.getFileName().toString().endsWith(".json")) return openIndex(file);
        MappedFile f = MappedFile.open(file);
        try {
            return new SafetensorsFile(file, List.of(f), List.of(SafetensorsHeader.read(f)), Map.of());
        } catch (RuntimeException | IOException e) {
            f.close();
            throw e;
        }
    }

    private static SafetensorsFile openIndex(Path index) throws IOException {
        long size = Files.size(index);
        if (size > MAX_INDEX_BYTES) throw new FormatException(index, null, -1, "index of " + size + " bytes is too large");
        JsonNode root;
        try {
            root = JSON.readTree(dev.weightclass.format.SmallFiles.text(index, dev.weightclass.format.SmallFiles.JSON_LIMIT, "a shard index"));
        } catch (JsonProcessingException e) {
            long at = e.getLocation() == null ? -1 : e.getLocation().getByteOffset();
            throw new FormatException(index, null, at, "invalid JSON: " + e.getOriginalMessage());
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject()) {
            throw new FormatException(index, "weight_map", -1, "index has no weight_map object (tensor name -> shard file)");
        }
        Map<String, String> weightMap = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw new FormatException(index, "weight_map." + e.getKey(), -1, "shard must be a file name, found " + e.getValue());
            }
            weightMap.put(e.getKey(), e.getValue().asText());
        }
        Path dir = index.toAbsolutePath().getParent();
        List<String> shardNames = new ArrayList<>(new TreeSet<>(weightMap.values()));
        List<MappedFile> files = new ArrayList<>();
        List<SafetensorsHeader> headers = new ArrayList<>();
        try {
            for (String name : shardNames) {
                Path shard = dir.resolve(name).normalize();
                if (name.isEmpty() || Path.of(name).isAbsolute() || !shard.startsWith(dir)) {
                    throw new FormatException(index, "weight_map", -1, "shard \"" + name + "\" is not a file beside the index");
                }
                if (!Files.isRegularFile(shard)) {
                    String example = weightMap.entrySet().stream().filter(e -> e.getValue().equals(name))
                            .map(Map.Entry::getKey).findFirst().orElse("");
                    throw new FormatException(index, "weight_map." + example, -1,
                            "shard " + name + " does not exist in " + dir);
                }
                MappedFile f = MappedFile.open(shard);
                files.add(f);
                headers.add(SafetensorsHeader.read(f));
            }
            Map<String, String> shardOf = new HashMap<>();
            for (int i = 0; i < headers.size(); i++) {
                for (SafetensorsHeader.Entry x : headers.get(i).entries()) {
                    String before = shardOf.put(x.name(), shardNames.get(i));
                    if (before != null) {
                        throw new FormatException(headers.get(i).file(), x.name(), x.headerOffset(),
                                "tensor is also in shard " + before);
                    }
                }
            }
            for (Map.Entry<String, String> e : weightMap.entrySet()) {
                if (!e.getValue().equals(shardOf.get(e.getKey()))) {
                    throw new FormatException(index, "weight_map." + e.getKey(), -1,
                            "tensor is not in its shard " + e.getValue());
                }
            }
            Map<String, Object> extra = new LinkedHashMap<>();
            JsonNode m = root.get("metadata");
            if (m != null && m.isObject()) {
                m.fields().forEachRemaining(e -> extra.put("index." + e.getKey(),
                        e.getValue().isIntegralNumber() ? (Object) e.getValue().asLong() : e.getValue().asText()));
            }
            return new SafetensorsFile(index, files, headers, extra);
        } catch (RuntimeException | IOException e) {
            for (MappedFile f : files) f.close();
            throw e;
        }
    }

    @Override public ModelFormat format() { return ModelFormat.SAFETENSORS; }

    @Override public Path path() { return path; }

    @Override public List<Path> files() { return files.stream().map(MappedFile::path).toList(); }

    @Override public long fileBytes() { return files.stream().mapToLong(MappedFile::length).sum(); }

    @Override public List<TensorInfo> tensors() { return tensors; }

    @Override public Map<String, Object> metadata() { return metadata; }

    @Override public Hyperparameters hyperparameters() { return hyperparameters; }

    /** What the {@code tokenizer.json} beside the model says, when there is one. */
    @Override public Optional<TokenizerInfo> tokenizer() { return tokenizer; }

    /** The config.json beside the model, when there is one. */
    public Optional<HfConfig> config() { return config; }

    /** The parsed header of each file, in {@code fileIndex} order. */
    public List<SafetensorsHeader> headers() { return headers; }

    @Override
    public MemorySegment data(TensorInfo t) {
        if (t.fileIndex() < 0 || t.fileIndex() >= files.size()) {
            throw new IllegalArgumentException("tensor " + t.name() + " has no file " + t.fileIndex());
        }
        return files.get(t.fileIndex()).slice(t.offset(), t.byteSize(), t.name());
    }

    @Override
    public void close() {
        for (MappedFile f : files) f.close();
    }
}
