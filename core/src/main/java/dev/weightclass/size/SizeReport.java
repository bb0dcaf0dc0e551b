package dev.weightclass.size;

import dev.weightclass.format.Hyperparameters;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * "How big is each way to ship it?": the parameter count and one {@link SizeVariant} per GGUF
 * preset and ONNX target.
 *
 * @param name            model name (file name, catalog name or config path)
 * @param source          what was read: gguf, safetensors, onnx, llama2c, config or catalog
 * @param hyperparameters the shape (KV-cache and compute models need it)
 * @param parameters      exact parameter count
 * @param sizeClass       size label (7B, 135M...)
 * @param inputBytes      size of the input model file(s), -1 for configs and catalog entries
 * @param variants        GGUF presets then ONNX targets
 * @param assumptions     what an estimate assumed (tokenizer, converter), empty when all is exact
 */
public record SizeReport(String name, String source, Hyperparameters hyperparameters, long parameters,
                         String sizeClass, long inputBytes, List<SizeVariant> variants, List<String> assumptions) {

    public SizeReport {
        variants = List.copyOf(variants);
        assumptions = List.copyOf(assumptions);
    }

    /** The variant of a type ("Q4_K_M", "int8"...) in a format ("gguf", "onnx"). */
    public Optional<SizeVariant> variant(String type, String format) {
        return variants.stream().filter(v -> v.type().equalsIgnoreCase(type) && v.format().equals(format)).findFirst();
    }

    public Map<String, Object> toJson() {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("name", name);
        j.put("source", source);
        j.put("architecture", hyperparameters.architecture());
        j.put("parameters", parameters);
        j.put("size_class", sizeClass);
        if (inputBytes >= 0) j.put("input_bytes", inputBytes);
        Map<String, Object> hp = new LinkedHashMap<>();
        hp.put("layers", hyperparameters.layers());
        hp.put("embedding_width", hyperparameters.embeddingWidth());
        hp.put("heads", hyperparameters.heads());
        hp.put("kv_heads", hyperparameters.kvHeads());
        hp.put("head_dim", hyperparameters.headDim());
        hp.put("ffn_width", hyperparameters.ffnWidth());
        hp.put("vocab_size", hyperparameters.vocabSize());
        hp.put("context_length", hyperparameters.contextLength());
        hp.put("tied_embeddings", hyperparameters.tiedEmbeddings());
        j.put("hyperparameters", hp);
        List<Map<String, Object>> vs = new ArrayList<>();
        for (SizeVariant v : variants) vs.add(v.toJson());
        j.put("variants", vs);
        j.put("assumptions", assumptions);
        return j;
    }
}
