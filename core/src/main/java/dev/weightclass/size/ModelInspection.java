package dev.weightclass.size;

import dev.weightclass.format.Hyperparameters;
import dev.weightclass.format.ModelFile;
import dev.weightclass.format.TokenizerInfo;
import dev.weightclass.tensor.SizeClass;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorRole;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * "How big is it?": the parameter count and where the parameters sit, computed from a model's
 * tensor table (headers only, plus a sampled byte comparison to find duplicated tensors).
 */
public record ModelInspection(
        String format,
        String fileName,
        Hyperparameters hyperparameters,
        long parameters,
        String sizeClass,
        long embeddingParameters,
        long fileBytes,
        long tensorDataBytes,
        int tensorCount,
        Map<String, Long> parametersByType,
        Map<String, Long> parametersByRole,
        Map<Integer, Long> parametersByLayer,
        List<DuplicateTensors.Group> duplicates,
        Optional<TokenizerInfo> tokenizer,
        Map<String, Object> metadataSummary,
        List<TensorInfo> tensors) {

    public static ModelInspection of(ModelFile model) {
        List<TensorInfo> ts = model.tensors();
        long params = 0, embedding = 0, dataBytes = 0;
        Map<String, Long> byType = new TreeMap<>();
        Map<String, Long> byRole = new LinkedHashMap<>();
        for (TensorRole r : TensorRole.values()) if (r.countsAsParameters()) byRole.put(r.label(), 0L);
        Map<Integer, Long> byLayer = new TreeMap<>();
        for (TensorInfo t : ts) {
            long p = t.parameters();
            params += p;
            dataBytes += t.byteSize();
            if (p == 0) continue;
            byType.merge(t.type().name(), p, Long::sum);
            byRole.merge(t.role().label(), p, Long::sum);
            if (t.layer() >= 0) byLayer.merge(t.layer(), p, Long::sum);
            if (t.role() == TensorRole.EMBEDDING) embedding += p;
        }
        byRole.values().removeIf(v -> v == 0);
        return new ModelInspection(model.format().id(), String.valueOf(model.path().getFileName()),
                model.hyperparameters(), params, sizeClass(model, params), embedding, model.fileBytes(),
                dataBytes, ts.size(), byType, byRole, byLayer, DuplicateTensors.find(model),
                model.tokenizer(), summarize(model.metadata()), ts);
    }

    private static final java.util.regex.Pattern EXPERT_INDEX =
            java.util.regex.Pattern.compile("\\.experts\\.(\\d+)\\.");

    /**
     * The size label; a mixture of experts is labelled COUNTxSIZE like GGUF's general.size_label.
     * Expert tensors are GGUF's stacked {@code *_exps} tensors or Hugging Face's per-expert
     * {@code .experts.N.} tensors; the count comes from {@code ARCH.expert_count} or the names.
     */
    static String sizeClass(ModelFile model, long params) {
        long expertParams = 0;
        java.util.Set<String> indices = new java.util.HashSet<>();
        for (TensorInfo t : model.tensors()) {
            java.util.regex.Matcher m = EXPERT_INDEX.matcher(t.name());
            boolean perExpert = m.find();
            if (perExpert) indices.add(m.group(1));
            if (perExpert || t.name().contains("_exps.")) expertParams += t.parameters();
        }
        int experts = indices.size();
        for (var e : model.metadata().entrySet()) {
            if (e.getKey().endsWith(".expert_count") && e.getValue() instanceof Number n) experts = n.intValue();
        }
        if (experts <= 1 || expertParams == 0) return SizeClass.label(params);
        return SizeClass.moeLabel(params - expertParams, expertParams / experts, experts);
    }

    public long nonEmbeddingParameters() { return parameters - embeddingParameters; }

    /** Tensor-data bits per parameter (scales and zero points included in the bytes). */
    public double bitsPerWeight() { return parameters == 0 ? 0 : 8.0 * tensorDataBytes / parameters; }

    /** Bytes that duplicated tensors take beyond their first copy. */
    public long duplicateBytes() {
        return duplicates.stream().mapToLong(DuplicateTensors.Group::savedBytes).sum();
    }

    /** Parameters counting every duplicated tensor once. */
    public long uniqueParameters() {
        return parameters - duplicates.stream().mapToLong(DuplicateTensors.Group::savedParameters).sum();
    }

    /** Metadata with long arrays (tokenizer vocabularies) shown by their length. */
    static Map<String, Object> summarize(Map<String, Object> metadata) {
        Map<String, Object> out = new LinkedHashMap<>();
        metadata.forEach((k, v) -> {
            if (v instanceof List<?> l && l.size() > 16) out.put(k, "[" + l.size() + " values]");
            else if (v instanceof String s && s.length() > 200) out.put(k, s.substring(0, 197) + "...");
            else out.put(k, v);
        });
        return out;
    }

    public Map<String, Object> toJson(boolean withTensors) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("format", format);
        j.put("file", fileName);
        j.put("architecture", hyperparameters.architecture());
        j.put("parameters", parameters);
        j.put("size_class", sizeClass);
        j.put("embedding_parameters", embeddingParameters);
        j.put("non_embedding_parameters", nonEmbeddingParameters());
        j.put("unique_parameters", uniqueParameters());
        j.put("file_bytes", fileBytes);
        j.put("tensor_data_bytes", tensorDataBytes);
        j.put("bits_per_weight", Math.round(bitsPerWeight() * 1000) / 1000.0);
        j.put("tensor_count", tensorCount);
        Hyperparameters h = hyperparameters;
        Map<String, Object> hp = new LinkedHashMap<>();
        hp.put("architecture", h.architecture());
        hp.put("layers", h.layers());
        hp.put("embedding_width", h.embeddingWidth());
        hp.put("heads", h.heads());
        hp.put("kv_heads", h.kvHeads());
        hp.put("head_dim", h.headDim());
        hp.put("ffn_width", h.ffnWidth());
        hp.put("vocab_size", h.vocabSize());
        hp.put("context_length", h.contextLength());
        hp.put("tied_embeddings", h.tiedEmbeddings());
        j.put("hyperparameters", hp);
        j.put("dtypes", parametersByType);
        j.put("roles", parametersByRole);
        Map<String, Long> layers = new LinkedHashMap<>();
        parametersByLayer.forEach((k, v) -> layers.put(String.valueOf(k), v));
        j.put("layers", layers);
        List<Map<String, Object>> dups = new ArrayList<>();
        for (DuplicateTensors.Group g : duplicates) {
            dups.add(Map.of("tensors", g.names(), "saved_bytes", g.savedBytes(),
                    "saved_parameters", g.savedParameters(), "verified", g.verified()));
        }
        j.put("duplicates", dups);
        j.put("tokenizer", tokenizer.map(t -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kind", t.kind());
            m.put("vocab_size", t.vocabSize());
            m.put("merges", t.merges());
            m.put("bytes", t.bytes());
            return (Object) m;
        }).orElse(null));
        j.put("metadata", metadataSummary);
        if (withTensors) {
            List<Map<String, Object>> list = new ArrayList<>();
            for (TensorInfo t : tensors) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", t.name());
                m.put("shape", t.shape());
                m.put("type", t.type().name());
                m.put("role", t.role().label());
                m.put("layer", t.layer());
                m.put("parameters", t.parameters());
                m.put("offset", t.offset());
                m.put("bytes", t.byteSize());
                list.add(m);
            }
            j.put("tensors", list);
        }
        return j;
    }

    public String toText(boolean withTensors) {
        StringBuilder sb = new StringBuilder();
        Hyperparameters h = hyperparameters;
        sb.append(String.format(Locale.ROOT, "%s  (%s, %s)%n", fileName, format, h.architecture()));
        if (tensorCount == 0) sb.append("  parameters      none: the file holds no tensors (metadata or vocabulary only)\n");
        else sb.append(String.format(Locale.ROOT, "  parameters      %,d  = %s%n", parameters, sizeClass));
        if (parameters > 0) {
            sb.append(String.format(Locale.ROOT, "  embedding       %,d  (%.1f%%)%n", embeddingParameters,
                    100.0 * embeddingParameters / parameters));
            sb.append(String.format(Locale.ROOT, "  non-embedding   %,d%n", nonEmbeddingParameters()));
        }
        sb.append(String.format(Locale.ROOT, "  file            %s  (%,d bytes)%n", Bytes.human(fileBytes), fileBytes));
        if (tensorCount > 0) {
            sb.append(String.format(Locale.ROOT, "  tensor data     %s in %d tensors, %.2f bits per weight%n",
                    Bytes.human(tensorDataBytes), tensorCount, bitsPerWeight()));
        }
        if (h.layers() > 0 || h.embeddingWidth() > 0) {
            sb.append(String.format(Locale.ROOT,
                    "  shape           %d layers, width %d, %d heads (%d KV, dim %d), FFN %d, vocab %d, context %d%s%n",
                    h.layers(), h.embeddingWidth(), h.heads(), h.kvHeads(), h.headDim(), h.ffnWidth(),
                    h.vocabSize(), h.contextLength(),
                    Boolean.TRUE.equals(h.tiedEmbeddings()) ? ", tied embeddings" : ""));
        }
        tokenizer.ifPresent(t -> sb.append(String.format(Locale.ROOT, "  tokenizer       %s, %,d tokens%s%s%n",
                t.kind(), t.vocabSize(), t.merges() > 0 ? String.format(Locale.ROOT, ", %,d merges", t.merges()) : "",
                t.bytes() > 0 ? ", " + Bytes.human(t.bytes()) + " in the file" : "")));
        if (!parametersByType.isEmpty()) {
            sb.append(String.format(Locale.ROOT, "%n  by type%n"));
            parametersByType.forEach((k, v) -> sb.append(row(k, v)));
        }
        if (!parametersByRole.isEmpty()) {
            sb.append(String.format(Locale.ROOT, "%n  by role%n"));
            parametersByRole.forEach((k, v) -> sb.append(row(k, v)));
        }
        if (!parametersByLayer.isEmpty()) {
            sb.append(String.format(Locale.ROOT, "%n  by layer%n"));
            parametersByLayer.forEach((k, v) -> sb.append(row("layer " + k, v)));
        }
        if (!duplicates.isEmpty()) {
            sb.append(String.format(Locale.ROOT, "%n  duplicated tensors (same bytes, counted once: %,d parameters, %s saved)%n",
                    uniqueParameters(), Bytes.human(duplicateBytes())));
            for (DuplicateTensors.Group g : duplicates) sb.append("    ").append(String.join(" = ", g.names()))
                    .append(g.verified() ? "" : "  (sampled bytes equal; too large to compare in full)").append('\n');
        }
        if (withTensors) {
            sb.append(String.format(Locale.ROOT, "%n  %-44s %-8s %-22s %14s %12s%n", "tensor", "type", "shape", "parameters", "bytes"));
            for (TensorInfo t : tensors) {
                sb.append(String.format(Locale.ROOT, "  %-44s %-8s %-22s %,14d %,12d%n", t.name(), t.type(),
                        java.util.Arrays.toString(t.shape()), t.parameters(), t.byteSize()));
            }
        }
        return sb.toString();
    }

    private String row(String label, long v) {
        return String.format(Locale.ROOT, "    %-14s %,16d  %5.1f%%%n", label, v, parameters == 0 ? 0 : 100.0 * v / parameters);
    }
}
