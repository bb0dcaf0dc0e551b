package dev.weightclass.fit;

import dev.weightclass.WeightclassException;
import dev.weightclass.format.Hyperparameters;
import dev.weightclass.format.ModelFile;
import dev.weightclass.quant.QuantPreset;
import dev.weightclass.size.ModelSpec;
import dev.weightclass.size.OnnxTargets;
import dev.weightclass.size.SizeEstimator;
import dev.weightclass.size.SizeReport;
import dev.weightclass.size.SizeVariant;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Turns what the user named (a model file, a config.json, a catalog name) into variants. */
public final class ModelVariants {
    private ModelVariants() {}

    /**
     * Every variant the size package predicts for a model file, config.json or catalog name
     * (GGUF presets with llama-quantize's per-tensor types, ONNX targets), plus the file itself
     * when MODEL is a model file (first, with its real tensors and size).
     */
    public static LoadedModel load(String model) throws IOException {
        Path p = Path.of(model);
        boolean file = Files.exists(p) && !(Files.isRegularFile(p) && p.toString().endsWith(".json"));
        if (!file) return build(SizeEstimator.estimate(model), SizeEstimator.spec(model), null);
        try (ModelFile m = ModelFile.open(p)) {
            return build(SizeEstimator.estimate(m), SizeEstimator.spec(m), m);
        }
    }

    private static LoadedModel build(SizeReport report, ModelSpec spec, ModelFile file) {
        Hyperparameters hp = report.hyperparameters();
        String name = report.name();
        List<ModelVariant> variants = new ArrayList<>();
        List<String> assumptions = new ArrayList<>(report.assumptions());
        Map<String, Object> metadata = new HashMap<>();
        if (file != null) {
            metadata.putAll(file.metadata());
            ModelVariant own = ModelVariant.of(file, name);
            String type = fileType(file).orElse(own.type());
            variants.add(new ModelVariant(name, type, own.format(), own.fileBytes(), file.hyperparameters(), own.tensors()));
            assumptions.addFirst("first row: the file itself (" + type + ", " + own.format() + ")");
        }
        if (spec != null && spec.config() != null && spec.config().node("sliding_window") != null) {
            metadata.putIfAbsent("sliding_window", spec.config().node("sliding_window").asLong());
        }
        for (SizeVariant sv : report.variants()) {
            if (!sv.available()) continue;
            if (!variants.isEmpty() && variants.getFirst().type().equalsIgnoreCase(sv.type())
                    && variants.getFirst().format().equals(sv.format())) continue;
            List<TensorInfo> tensors;
            try {
                tensors = tensorsOf(sv, spec, file);
            } catch (WeightclassException e) {
                continue;   // llama-quantize would refuse this preset for this input
            }
            if (tensors.isEmpty()) continue;
            variants.add(new ModelVariant(name, sv.type(), sv.format(), sv.bytes(), hp, tensors));
        }
        if (variants.isEmpty()) throw new WeightclassException(name + ": no variant to fit");
        String arch = spec != null && spec.ggufArch() != null ? spec.ggufArch() : hp.architecture();
        return new LoadedModel(name, report.parameters(), AttentionWindow.forArchitecture(arch, metadata),
                variants, assumptions);
    }

    /** A size variant's tensors: planned by llama-quantize's rules, or an ONNX export's initializers. */
    private static List<TensorInfo> tensorsOf(SizeVariant sv, ModelSpec spec, ModelFile file) {
        if (sv.format().equals("gguf")) return sv.tensors();
        List<TensorInfo> weights = spec != null ? OnnxTargets.exported(spec)
                : file == null ? List.of() : file.tensors().stream().filter(t -> t.parameters() > 0).toList();
        return onnxTensors(weights, sv.type());
    }

    /** The llama-quantize preset a GGUF file says it is ({@code general.file_type}). */
    static Optional<String> fileType(ModelFile m) {
        Object ft = m.metadata().get("general.file_type");
        if (!(ft instanceof Number n)) return Optional.empty();
        for (QuantPreset q : QuantPreset.values()) if (q.fileType() == n.intValue()) return Optional.of(q.name());
        return Optional.empty();
    }

    /** An ONNX export's initializers, tensor by tensor, in the target's types. */
    static List<TensorInfo> onnxTensors(List<TensorInfo> weights, String label) {
        OnnxTargets target = null;
        for (OnnxTargets t : OnnxTargets.values()) if (t.label().equalsIgnoreCase(label)) target = t;
        if (target == null) return List.of();
        TensorType floatType = target == OnnxTargets.FP16 ? TensorType.F16 : TensorType.F32;
        List<TensorInfo> out = new ArrayList<>();
        for (TensorInfo t : weights) {
            out.add(new TensorInfo(t.name(), t.shape(), floatType, 0, 0, target.bytes(OnnxTargets.Weight.ofTorchLayout(t)), t.role(), t.layer()));
        }
        return out;
    }

    /** The variants a runtime can load: GGUF for llama.cpp, ONNX for ONNX InferenceRuntime, both in a browser. */
    public static LoadedModel forRuntime(LoadedModel m, InferenceRuntime runtime) {
        List<ModelVariant> kept = new ArrayList<>();
        for (ModelVariant v : m.variants()) {
            boolean ok = switch (runtime) {
                case LLAMA_CPP -> v.format().equals("gguf");
                case ONNXRUNTIME -> v.format().equals("onnx");
                case WEBGPU -> true;
            };
            if (ok) kept.add(v);
        }
        if (kept.isEmpty()) {
            throw new WeightclassException(m.name() + ": no variant that " + runtime.label() + " runs (it needs "
                    + (runtime == InferenceRuntime.LLAMA_CPP ? "GGUF" : "ONNX") + ")");
        }
        return new LoadedModel(m.name(), m.parameters(), m.window(), kept, m.assumptions());
    }

    /** Keeps the variants whose type is in {@code types} (case-insensitive); all when empty. */
    public static LoadedModel only(LoadedModel m, List<String> types) {
        if (types == null || types.isEmpty()) return m;
        List<ModelVariant> kept = new ArrayList<>();
        for (ModelVariant v : m.variants()) {
            for (String t : types) if (v.type().equalsIgnoreCase(t.trim())) kept.add(v);
        }
        if (kept.isEmpty()) {
            throw new WeightclassException("no variant of type " + String.join(", ", types) + " (this model has "
                    + String.join(", ", m.variants().stream().map(ModelVariant::type).toList()) + ")");
        }
        return new LoadedModel(m.name(), m.parameters(), m.window(), kept, m.assumptions());
    }

    /** Network speed like "50Mbps", "1Gbps", "10MB/s" or a plain number of Mbit/s, in bits per second. */
    public static double bitsPerSecond(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT).replace(" ", "");
        var m = java.util.regex.Pattern.compile("([0-9]*\\.?[0-9]+)([kmg]?)(bps|bit/s|b/s|)").matcher(t);
        if (!m.matches()) {
            throw new WeightclassException("bad network speed '" + s + "': use e.g. 50Mbps, 1Gbps, 10MB/s");
        }
        double v = Double.parseDouble(m.group(1));
        String unit = m.group(3);
        double scale = switch (m.group(2)) {
            case "k" -> 1e3;
            case "g" -> 1e9;
            case "m" -> 1e6;
            default -> unit.isEmpty() ? 1e6 : 1;
        };
        if (unit.equals("b/s") && s.contains("B/s")) scale *= 8;   // bytes per second
        if (v <= 0) throw new WeightclassException("network speed must be positive: " + s);
        return v * scale;
    }
}
