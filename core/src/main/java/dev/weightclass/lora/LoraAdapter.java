package dev.weightclass.lora;

import dev.weightclass.WeightclassException;
import dev.weightclass.format.ModelFile;
import dev.weightclass.format.ModelFormat;
import dev.weightclass.tensor.TensorInfo;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An opened LoRA adapter: a PEFT folder ({@code adapter_model.safetensors} +
 * {@code adapter_config.json}) or a llama.cpp GGUF adapter ({@code general.type = adapter},
 * {@code adapter.type = lora}, tensors {@code NAME.lora_a} / {@code NAME.lora_b}). The A and B
 * tensors stay in the mapped file until a pair is read. Close it to unmap.
 */
public final class LoraAdapter implements AutoCloseable {

    public enum Format { PEFT, GGUF }

    /** PEFT tensor names: {@code base_model.model.MODULE.lora_A.weight} and the embedding variant. */
    private static final Pattern PEFT_NAME = Pattern.compile(
            "^(?:base_model\\.model\\.)?(.+)\\.lora_(A|B|embedding_A|embedding_B)(?:\\.default)?(?:\\.weight)?$");

    private final Path path;
    private final Format format;
    private final ModelFile file;
    private final PeftConfig config;
    private final Double ggufAlpha;
    private final String architecture;
    private final List<LoraPair> pairs;
    private final long fileBytes;

    private LoraAdapter(Path path, Format format, ModelFile file, PeftConfig config, Double ggufAlpha,
                        String architecture, List<LoraPair> pairs, long fileBytes) {
        this.path = path;
        this.format = format;
        this.file = file;
        this.config = config;
        this.ggufAlpha = ggufAlpha;
        this.architecture = architecture;
        this.pairs = List.copyOf(pairs);
        this.fileBytes = fileBytes;
    }

    /** Opens a PEFT folder, its {@code adapter_model.safetensors} or config, or a GGUF adapter file. */
    public static LoraAdapter open(Path path) throws IOException {
        if (!Files.exists(path)) throw new java.nio.file.NoSuchFileException(path.toString());
        Path dir = Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
        Path weights = Files.isDirectory(path) ? dir.resolve("adapter_model.safetensors") : path;
        if (path.getFileName().toString().equals(PeftConfig.FILE)) weights = dir.resolve("adapter_model.safetensors");
        if (Files.isDirectory(path) && !Files.exists(weights)) {
            if (Files.exists(dir.resolve("adapter_model.bin"))) {
                throw new WeightclassException(path + ": holds adapter_model.bin (a pickle); only adapter_model.safetensors is read");
            }
            throw new WeightclassException(path + ": no adapter_model.safetensors in this folder");
        }
        ModelFile f = ModelFile.open(weights);
        try {
            if (f.format() == ModelFormat.GGUF) return gguf(path, f);
            if (f.format() == ModelFormat.SAFETENSORS) return peft(path, f, weights.toAbsolutePath().getParent());
            throw new WeightclassException(path + ": a " + f.format().id() + " file is not a LoRA adapter "
                    + "(expected a PEFT folder or a GGUF adapter)");
        } catch (RuntimeException | IOException e) {
            f.close();
            throw e;
        }
    }

    private static LoraAdapter peft(Path path, ModelFile f, Path dir) throws IOException {
        Path configFile = dir.resolve(PeftConfig.FILE);
        if (!Files.exists(configFile)) {
            throw new WeightclassException(path + ": no " + PeftConfig.FILE + " beside the adapter weights (it gives r and lora_alpha)");
        }
        PeftConfig config = PeftConfig.read(configFile);
        Map<String, TensorInfo[]> byModule = new LinkedHashMap<>();
        Map<String, Boolean> embedding = new LinkedHashMap<>();
        for (TensorInfo t : f.tensors()) {
            Matcher m = PEFT_NAME.matcher(t.name());
            if (!m.matches()) {
                throw new WeightclassException(path + ": tensor " + t.name() + " is not a LoRA A or B matrix "
                        + "(modules_to_save, biases and other extras are not supported)");
            }
            String module = m.group(1), which = m.group(2);
            TensorInfo[] ab = byModule.computeIfAbsent(module, k -> new TensorInfo[2]);
            ab[which.endsWith("A") ? 0 : 1] = t;
            embedding.put(module, which.startsWith("embedding"));
        }
        List<LoraPair> pairs = new ArrayList<>();
        for (var e : byModule.entrySet()) {
            String module = e.getKey();
            TensorInfo a = e.getValue()[0], b = e.getValue()[1];
            checkPair(path, module, a, b, "lora_A", "lora_B");
            int expected = config.rankOf(module);
            if (a.dim(0) != expected) {
                throw new WeightclassException(path + ": " + a.name() + " has rank " + a.dim(0) + " but "
                        + PeftConfig.FILE + " gives " + module + " rank " + expected);
            }
            boolean emb = embedding.get(module);
            pairs.add(new LoraPair(module, a, b, config.scaleOf(module), emb || config.fanInFanOut(), emb));
        }
        return new LoraAdapter(path, Format.PEFT, f, config, null, null, pairs,
                Files.size(configFile) + f.fileBytes());
    }

    private static LoraAdapter gguf(Path path, ModelFile f) {
        Map<String, Object> md = f.metadata();
        Object type = md.get("general.type");
        if (!"adapter".equals(String.valueOf(type))) {
            throw new WeightclassException(path + ": general.type is " + type + ", not 'adapter': this GGUF is a model, not a LoRA adapter");
        }
        Object adapterType = md.get("adapter.type");
        if (!"lora".equals(String.valueOf(adapterType))) {
            throw new WeightclassException(path + ": adapter.type is " + adapterType + ", only 'lora' adapters are supported");
        }
        Object alphaValue = md.get("adapter.lora.alpha");
        Double alpha = alphaValue instanceof Number n ? n.doubleValue() : null;
        Map<String, TensorInfo[]> byTarget = new LinkedHashMap<>();
        for (TensorInfo t : f.tensors()) {
            boolean isA = t.name().endsWith(".lora_a"), isB = t.name().endsWith(".lora_b");
            if (!isA && !isB) {
                throw new WeightclassException(path + ": tensor " + t.name() + " is neither NAME.lora_a nor NAME.lora_b");
            }
            String target = t.name().substring(0, t.name().length() - ".lora_a".length());
            byTarget.computeIfAbsent(target, k -> new TensorInfo[2])[isA ? 0 : 1] = t;
        }
        List<LoraPair> pairs = new ArrayList<>();
        for (var e : byTarget.entrySet()) {
            TensorInfo a = e.getValue()[0], b = e.getValue()[1];
            checkPair(path, e.getKey(), a, b, "lora_a", "lora_b");
            // llama.cpp: scale = alpha / rank when the adapter gives alpha, else 1
            double scale = alpha == null || alpha == 0 ? 1.0 : alpha / a.dim(0);
            boolean emb = e.getKey().startsWith("token_embd");
            pairs.add(new LoraPair(e.getKey(), a, b, scale, false, emb));
        }
        Object arch = md.get("general.architecture");
        return new LoraAdapter(path, Format.GGUF, f, null, alpha, arch == null ? null : arch.toString(), pairs,
                f.fileBytes());
    }

    private static void checkPair(Path path, String target, TensorInfo a, TensorInfo b, String aName, String bName) {
        if (a == null || b == null) {
            throw new WeightclassException(path + ": " + target + " has " + (a == null ? bName : aName)
                    + " but no " + (a == null ? aName : bName));
        }
        if (a.rank() != 2 || b.rank() != 2) {
            throw new WeightclassException(path + ": " + (a.rank() != 2 ? a : b).name() + " has shape "
                    + Arrays.toString((a.rank() != 2 ? a : b).shape()) + ", a LoRA matrix is 2-D");
        }
        if (a.dim(0) != b.dim(1)) {
            throw new WeightclassException(path + ": " + target + ": " + aName + " " + Arrays.toString(a.shape())
                    + " and " + bName + " " + Arrays.toString(b.shape()) + " disagree on the rank (expected A [r, in], B [out, r])");
        }
        if (a.dim(0) < 1) throw new WeightclassException(path + ": " + a.name() + " has rank 0");
    }

    public Path path() { return path; }

    public Format format() { return format; }

    /** The PEFT configuration (empty for GGUF adapters). */
    public Optional<PeftConfig> config() { return Optional.ofNullable(config); }

    /** alpha as the adapter gives it (PEFT lora_alpha, GGUF adapter.lora.alpha), empty when a GGUF adapter has none. */
    public Optional<Double> alpha() { return config != null ? Optional.of(config.alpha()) : Optional.ofNullable(ggufAlpha); }

    /** The base architecture a GGUF adapter declares ({@code general.architecture}). */
    public Optional<String> architecture() { return Optional.ofNullable(architecture); }

    public List<LoraPair> pairs() { return pairs; }

    /** Tensors in the adapter file (two per pair). */
    public int tensorCount() { return file.tensors().size(); }

    public long parameters() { return pairs.stream().mapToLong(LoraPair::parameters).sum(); }

    /** Bytes of A and B data. */
    public long tensorBytes() { return pairs.stream().mapToLong(LoraPair::bytes).sum(); }

    /** Bytes on disk (PEFT: weights file plus config). */
    public long fileBytes() { return fileBytes; }

    /** Distinct ranks, ascending. */
    public List<Integer> ranks() {
        TreeSet<Integer> s = new TreeSet<>();
        for (LoraPair p : pairs) s.add(p.rank());
        return List.copyOf(s);
    }

    /** Distinct scales, ascending. */
    public List<Double> scales() {
        TreeSet<Double> s = new TreeSet<>();
        for (LoraPair p : pairs) s.add(p.scale());
        return List.copyOf(s);
    }

    /** The module kinds the pairs target (last name component: q_proj, c_attn, attn_q ...), sorted. */
    public List<String> targetKinds() {
        TreeSet<String> s = new TreeSet<>();
        for (LoraPair p : pairs) s.add(TensorNames.kind(p.target()));
        return List.copyOf(s);
    }

    /** The mapped bytes of a pair's tensor. */
    MemorySegment data(TensorInfo t) { return file.data(t); }

    public float[] readA(LoraPair p) { return p.readA(file.data(p.a())); }

    public float[] readB(LoraPair p) { return p.readB(file.data(p.b())); }

    @Override
    public void close() { file.close(); }
}
