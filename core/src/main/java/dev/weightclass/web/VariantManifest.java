package dev.weightclass.web;

import dev.weightclass.fit.InferenceRuntime;
import dev.weightclass.fit.LoadedModel;
import dev.weightclass.fit.ModelVariant;
import dev.weightclass.fit.ModelVariants;
import dev.weightclass.fit.Quality;
import dev.weightclass.fit.RunConfig;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code variants.json}: what a web page needs to choose a variant on the user's device without
 * asking a server. Each variant: where to fetch it (a URL pattern), its bytes, the memory each
 * runtime needs at the manifest's context, the WebGPU limits its largest tensor needs. Variants
 * are listed best first (larger model, then higher-quality type, then smaller file);
 * {@code pick-variant.js} takes the first one that fits, as {@code fit} recommends.
 */
public final class VariantManifest {
    private VariantManifest() {}

    public static final String FORMAT = "weightclass-variants/1";

    /** One entry: a loaded model and which of its variants to list. */
    public record Source(LoadedModel model, List<ModelVariant> variants, String fileName) {}

    /**
     * The sources for what was named: a model file lists itself (its file is what gets hosted;
     * with {@code presets} also every predicted llama-quantize preset and ONNX target), a config
     * or catalog name lists its predicted variants.
     */
    public static Source source(String model, boolean presets) throws IOException {
        LoadedModel m = ModelVariants.load(model);
        Path p = Path.of(model);
        boolean file = Files.exists(p) && !model.endsWith(".json");
        List<ModelVariant> vs = file && !presets ? List.of(m.variants().getFirst()) : m.variants();
        return new Source(m, vs, file ? p.getFileName().toString() : null);
    }

    public static Map<String, Object> build(List<Source> sources, int contextLength) {
        RunConfig run = RunConfig.defaults(contextLength);
        record Row(long params, Map<String, Object> json, int rank, long bytes) {}
        List<Row> rows = new ArrayList<>();
        for (Source s : sources) {
            for (int i = 0; i < s.variants().size(); i++) {
                ModelVariant v = s.variants().get(i);
                boolean own = s.fileName() != null && i == 0 && v == s.model().variants().getFirst();
                rows.add(new Row(s.model().parameters(), variant(s.model(), v, own ? s.fileName() : null, run),
                        Quality.rank(v.type()), v.fileBytes()));
            }
        }
        rows.sort(Comparator.comparingLong((Row r) -> -r.params()).thenComparingInt(Row::rank).thenComparingLong(Row::bytes));
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("format", FORMAT);
        j.put("context_length", contextLength);
        j.put("order", "best first: larger model, then higher-quality type, then smaller file; pickVariant takes the first that fits");
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("default_device_memory_gib", BrowserProbe.DEFAULT_DEVICE_MEMORY_GIB);
        a.put("os_reserved_fraction", BrowserProbe.OS_RESERVED_FRACTION);
        a.put("browser_share", BrowserProbe.BROWSER_SHARE);
        a.put("note", "WebGPU budget = (deviceMemory - os_reserved_fraction x deviceMemory) x browser_share,"
                + " as 'weightclass fit --runtime webgpu' computes it for a probed browser");
        j.put("device_assumptions", a);
        j.put("variants", rows.stream().map(Row::json).toList());
        return j;
    }

    static Map<String, Object> variant(LoadedModel m, ModelVariant v, String fileName, RunConfig run) {
        Map<String, Object> j = new LinkedHashMap<>();
        String ext = v.format().equals("onnx") ? ".onnx" : ".gguf";
        String file = fileName != null ? fileName : slug(m.name()) + "-" + v.type().toLowerCase(Locale.ROOT) + ext;
        j.put("id", slug(m.name()) + "-" + v.type() + (v.format().equals("onnx") ? "-onnx" : ""));
        j.put("model", m.name());
        j.put("type", v.type());
        j.put("format", v.format());
        j.put("url", "{base}/" + file);
        j.put("bytes", v.fileBytes());
        j.put("parameters", m.parameters());
        j.put("quality_rank", Quality.rank(v.type()));
        Map<String, Object> mem = new LinkedHashMap<>();
        for (InferenceRuntime rt : InferenceRuntime.values()) {
            if (!loads(rt, v)) continue;
            mem.put(rt.label(), rt.memoryModel().estimate(v, m.window(), run).required());
        }
        j.put("memory_bytes", mem);
        long largest = v.largestTensorBytes();
        Map<String, Object> w = new LinkedHashMap<>();
        Map<String, Object> limits = new LinkedHashMap<>();
        limits.put("maxBufferSize", largest);
        limits.put("maxStorageBufferBindingSize", largest);
        w.put("required_limits", limits);
        TensorInfo t = v.largestTensor();
        w.put("largest_tensor", t == null ? null : t.name());
        // 16-bit weights decode with core WGSL (unpack2x16float); shader-f16 only makes them faster
        w.put("required_features", List.of());
        w.put("optional_features", halfPrecision(v) ? List.of("shader-f16") : List.of());
        j.put("webgpu", w);
        return j;
    }

    static boolean loads(InferenceRuntime rt, ModelVariant v) {
        return switch (rt) {
            case LLAMA_CPP -> v.format().equals("gguf");
            case ONNXRUNTIME -> v.format().equals("onnx");
            case WEBGPU -> true;
        };
    }

    private static boolean halfPrecision(ModelVariant v) {
        for (TensorInfo t : v.tensors()) if (t.type() == TensorType.F16 || t.type() == TensorType.BF16) return true;
        return v.type().equalsIgnoreCase("fp16") || v.type().equalsIgnoreCase("F16");
    }

    static String slug(String name) {
        String n = name;
        int slash = n.lastIndexOf('/');
        if (slash >= 0) n = n.substring(slash + 1);
        n = n.replaceAll("(?i)\\.(gguf|safetensors|onnx|bin|json)$", "");
        n = n.replaceAll("[^A-Za-z0-9._-]+", "-");
        return n.isEmpty() ? "model" : n;
    }

}
