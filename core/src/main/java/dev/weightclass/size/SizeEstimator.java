package dev.weightclass.size;

import dev.weightclass.WeightclassException;
import dev.weightclass.format.ModelFile;
import dev.weightclass.quant.QuantOptions;
import dev.weightclass.tensor.SizeClass;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Sizes of every variant of a model, before converting anything: the exact GGUF file llama-quantize
 * would write for each preset, and ONNX export targets. Works from a model file (exact for GGUF
 * inputs), a Hugging Face config.json, or a catalog name. Reads headers and configs only.
 */
public final class SizeEstimator {
    private SizeEstimator() {}

    /** Sizes from a path (model file, folder or config.json) or, when no such file exists, a catalog name. */
    public static SizeReport estimate(String modelConfigOrName) throws IOException {
        return estimate(modelConfigOrName, QuantOptions.DEFAULT);
    }

    /** As {@link #estimate(String)}, with llama-quantize options (--pure, --tensor-type...) for the GGUF variants. */
    public static SizeReport estimate(String modelConfigOrName, QuantOptions options) throws IOException {
        Path p = Path.of(modelConfigOrName);
        if (Files.exists(p)) {
            if (Files.isRegularFile(p) && p.getFileName().toString().endsWith(".json")) {
                ModelConfig c = ModelConfig.read(p);
                return estimate(Architectures.fromConfig(c, nameOf(p)), "config", options);
            }
            try (ModelFile m = ModelFile.open(p)) {
                return estimate(m, options);
            }
        }
        if (looksLikePath(modelConfigOrName)) throw new java.nio.file.NoSuchFileException(modelConfigOrName);
        return estimate(Catalog.get(modelConfigOrName).spec(), "catalog", options);
    }

    /** Sizes of a model known from its configuration (config.json or catalog). */
    public static SizeReport estimate(ModelSpec spec, String source) {
        return estimate(spec, source, QuantOptions.DEFAULT);
    }

    /** Sizes of a model known from its configuration, with llama-quantize options. */
    public static SizeReport estimate(ModelSpec spec, String source, QuantOptions options) {
        List<SizeVariant> variants = new ArrayList<>();
        List<String> assumptions = new ArrayList<>();
        if (spec.ggufSupported()) {
            variants.addAll(SpecSizes.gguf(spec, options));
            assumptions.add(SpecSizes.assumption(spec));
        } else {
            assumptions.add("llama.cpp cannot convert architecture '" + spec.hyperparameters().architecture()
                    + "': no GGUF variants");
        }
        variants.addAll(OnnxTargets.estimate(spec));
        assumptions.add("ONNX sizes: initializers counted exactly, graph structure estimated");
        long params = spec.parameters();
        return new SizeReport(spec.name(), source, spec.hyperparameters().normalized(), params,
                SizeClass.label(params), -1, variants, assumptions);
    }

    /** Sizes of an opened model: exact for a GGUF input. */
    public static SizeReport estimate(ModelFile model) throws IOException {
        return ModelSizes.of(model, QuantOptions.DEFAULT);
    }

    /** Sizes of an opened model with llama-quantize options. */
    public static SizeReport estimate(ModelFile model, QuantOptions options) throws IOException {
        return ModelSizes.of(model, options);
    }

    /**
     * The description the sizes are planned from (a model file's, a config.json's or a catalog
     * entry's), or null when a model file has none.
     */
    public static ModelSpec spec(String modelConfigOrName) throws IOException {
        Path p = Path.of(modelConfigOrName);
        if (Files.exists(p)) {
            if (Files.isRegularFile(p) && p.getFileName().toString().endsWith(".json")) {
                return Architectures.fromConfig(ModelConfig.read(p), nameOf(p));
            }
            try (ModelFile m = ModelFile.open(p)) {
                return ModelSizes.specOf(m);
            }
        }
        if (looksLikePath(modelConfigOrName)) throw new java.nio.file.NoSuchFileException(modelConfigOrName);
        return Catalog.get(modelConfigOrName).spec();
    }

    /** The description the sizes of an opened model are planned from, or null when it has none (GGUF). */
    public static ModelSpec spec(ModelFile model) throws IOException {
        return model instanceof dev.weightclass.format.gguf.GgufFile ? null : ModelSizes.specOf(model);
    }

    private static boolean looksLikePath(String s) {
        return s.contains("/") || s.contains("\\") || s.endsWith(".json") || s.endsWith(".gguf")
                || s.endsWith(".onnx") || s.endsWith(".safetensors") || s.endsWith(".bin");
    }

    static String nameOf(Path p) {
        Path parent = p.toAbsolutePath().getParent();
        String file = p.getFileName().toString();
        return file.equals("config.json") && parent != null && parent.getFileName() != null
                ? parent.getFileName().toString() : file;
    }

    static WeightclassException unsupported(ModelFile m, String why) {
        return new WeightclassException(m.path() + ": " + why);
    }
}
