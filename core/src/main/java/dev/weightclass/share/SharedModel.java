package dev.weightclass.share;

import dev.weightclass.WeightclassException;
import dev.weightclass.format.ModelFile;
import dev.weightclass.format.ModelFormat;
import dev.weightclass.runtime.SharedLayout;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorType;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The model being written: the source's tensors in order, minus the ones now shared, plus the
 * metadata that says how (aliases, palettes; docs/SHARING.md). Tensor bytes are produced one tensor
 * at a time as the writer asks for them.
 */
public final class SharedModel {

    /** One stored tensor: its bytes come from the mapped source or are computed when written. */
    public record Tensor(String name, TensorType type, long[] shape, Supplier<MemorySegment> bytes) {
        public long byteSize() {
            long n = 1;
            for (long d : shape) n = Math.multiplyExact(n, d);
            return type.bytesFor(n);
        }
    }

    private final ModelFile source;
    private final List<Tensor> tensors = new ArrayList<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final java.util.Set<String> dropped = new java.util.HashSet<>();
    /** Hugging Face config.json changes (tie_word_embeddings), applied when the output is safetensors. */
    boolean tieWordEmbeddings;

    public SharedModel(ModelFile source) {
        if (source.format() != ModelFormat.GGUF && source.format() != ModelFormat.SAFETENSORS) {
            throw new WeightclassException(source.path() + ": share reads and writes GGUF and safetensors, not "
                    + source.format().id());
        }
        this.source = source;
        for (TensorInfo t : source.tensors()) {
            tensors.add(new Tensor(t.name(), t.type(), t.shape(), () -> source.data(t)));
        }
    }

    public ModelFile source() { return source; }

    public List<Tensor> tensors() { return List.copyOf(tensors); }

    /** Metadata added by sharing (weightclass.alias.*, weightclass.palette.*). */
    public Map<String, String> metadata() { return Map.copyOf(metadata); }

    /** Source metadata keys not to copy (palettes that were expanded). */
    public java.util.Set<String> droppedMetadata() { return java.util.Set.copyOf(dropped); }

    void dropMetadata(String key) { dropped.add(key); }

    public Optional<Tensor> tensor(String name) {
        return tensors.stream().filter(t -> t.name().equals(name)).findFirst();
    }

    public long dataBytes() { return tensors.stream().mapToLong(Tensor::byteSize).sum(); }

    /** Drops {@code name}; readers take {@code target}'s bytes for it. */
    void alias(String name, String target) {
        remove(name);
        metadata.put(SharedLayout.ALIAS + name, target);
    }

    /** Drops {@code name} with no alias (a tied classifier: loaders fall back to the embedding). */
    void remove(String name) {
        if (!tensors.removeIf(t -> t.name().equals(name))) throw new IllegalStateException("no tensor " + name);
    }

    /** Replaces {@code name} by the given tensors at its place in the order. */
    void replace(String name, List<Tensor> with, Map<String, String> meta) {
        int at = -1;
        for (int i = 0; i < tensors.size(); i++) if (tensors.get(i).name().equals(name)) at = i;
        if (at < 0) throw new IllegalStateException("no tensor " + name);
        tensors.remove(at);
        tensors.addAll(at, with);
        metadata.putAll(meta);
    }

    /** Whether {@code name} is stored as a palette (after {@link Palettization#apply}). */
    boolean palettized(String name) {
        return metadata.containsKey(SharedLayout.PALETTE + name);
    }
}
