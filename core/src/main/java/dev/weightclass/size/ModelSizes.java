package dev.weightclass.size;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weightclass.format.Hyperparameters;
import dev.weightclass.format.ModelFile;
import dev.weightclass.format.gguf.GgufFile;
import dev.weightclass.quant.QuantOptions;
import dev.weightclass.tensor.SizeClass;
import dev.weightclass.tensor.TensorInfo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Sizes from an opened model file. */
final class ModelSizes {
    private ModelSizes() {}

    static SizeReport of(ModelFile model, QuantOptions options) throws IOException {
        String name = String.valueOf(model.path().getFileName());
        long params = model.tensors().stream().mapToLong(TensorInfo::parameters).sum();
        List<SizeVariant> variants = new ArrayList<>();
        List<String> assumptions = new ArrayList<>();
        ModelSpec spec = model instanceof GgufFile ? null : specOf(model);
        if (model instanceof GgufFile g) {
            variants.addAll(GgufSizes.variants(g, params, options));
        } else if (spec != null && spec.ggufSupported()) {
            variants.addAll(SpecSizes.gguf(spec, options));
            assumptions.add(SpecSizes.assumption(spec));
        } else {
            assumptions.add("no GGUF variants: llama.cpp's converter does not handle architecture '"
                    + model.hyperparameters().architecture() + "'");
        }
        List<SizeVariant> onnx = model.format() == dev.weightclass.format.ModelFormat.ONNX
                ? OnnxTargets.fromOnnx(model.tensors(), model.fileBytes()) : List.of();
        if (!onnx.isEmpty()) variants.addAll(onnx);
        else if (spec != null) variants.addAll(OnnxTargets.estimate(spec));
        else variants.addAll(OnnxTargets.estimate(model.tensors().stream().filter(t -> t.parameters() > 0).toList(),
                model.hyperparameters().layers()));
        return new SizeReport(name, model.format().id(), model.hyperparameters().normalized(), params,
                SizeClass.label(params), model.fileBytes(), variants, assumptions);
    }

    /** The converter's view of a non-GGUF model: its config.json when it has one, else its hyperparameters. */
    static ModelSpec specOf(ModelFile model) throws IOException {
        Path dir = model.path().toAbsolutePath().getParent();
        if (Files.isDirectory(model.path())) dir = model.path();
        Path config = dir == null ? null : dir.resolve("config.json");
        if (config != null && Files.isRegularFile(config)) {
            return Architectures.fromConfig(ModelConfig.read(config), String.valueOf(model.path().getFileName()));
        }
        Hyperparameters h = model.hyperparameters().normalized();
        if (!Architectures.supported().contains(h.architecture()) || h.layers() == 0) return null;
        return Architectures.fromConfig(ModelConfig.of(model.path().toString(), configOf(h)), String.valueOf(model.path().getFileName()));
    }

    /** A config.json equivalent of llama-family hyperparameters (llama2.c checkpoints have no config). */
    static ObjectNode configOf(Hyperparameters h) {
        ObjectNode c = JsonNodeFactory.instance.objectNode();
        c.put("model_type", h.architecture());
        c.put("hidden_size", h.embeddingWidth());
        c.put("num_hidden_layers", h.layers());
        c.put("num_attention_heads", h.heads());
        c.put("num_key_value_heads", h.kvHeads());
        c.put("intermediate_size", h.ffnWidth());
        c.put("vocab_size", h.vocabSize());
        if (h.contextLength() > 0) c.put("max_position_embeddings", h.contextLength());
        if (h.headDim() > 0 && h.headDim() * h.heads() != h.embeddingWidth()) c.put("head_dim", h.headDim());
        c.put("tie_word_embeddings", Boolean.TRUE.equals(h.tiedEmbeddings()));
        return c;
    }
}
