package dev.weightclass.fit;

import dev.weightclass.format.Hyperparameters;
import dev.weightclass.format.ModelFile;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorRole;
import dev.weightclass.tensor.TensorType;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One downloadable form of a model, as the memory and fit models see it: its shapes
 * (hyperparameters) and every tensor with the type and bytes it has in this variant. The
 * tensors may come from a real file or from a predicted quantization plan (offsets unused).
 *
 * @param model      display name of the model
 * @param type       variant name (Q4_K_M, F16, int8...)
 * @param format     {@code gguf} or {@code onnx}
 * @param fileBytes  bytes of the download (header, metadata and padding included)
 */
public record ModelVariant(String model, String type, String format, long fileBytes,
                           Hyperparameters hyperparameters, List<TensorInfo> tensors) {

    public ModelVariant {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(format, "format");
        hyperparameters = Objects.requireNonNull(hyperparameters, "hyperparameters").normalized();
        tensors = List.copyOf(tensors);
        if (fileBytes < 0) throw new IllegalArgumentException("fileBytes < 0");
    }

    /** The variant a model file is: its own tensors and file size. */
    public static ModelVariant of(ModelFile file, String modelName) {
        String fmt = file.format().name().toLowerCase(java.util.Locale.ROOT);
        return new ModelVariant(modelName, dominantType(file.tensors()), fmt, file.fileBytes(),
                file.hyperparameters(), file.tensors());
    }

    /** Bytes of all tensor data. */
    public long weightBytes() {
        long s = 0;
        for (TensorInfo t : tensors) s += t.byteSize();
        return s;
    }

    public long largestTensorBytes() {
        long m = 0;
        for (TensorInfo t : tensors) m = Math.max(m, t.byteSize());
        return m;
    }

    public TensorInfo largestTensor() {
        TensorInfo best = null;
        for (TensorInfo t : tensors) if (best == null || t.byteSize() > best.byteSize()) best = t;
        return best;
    }

    public long parameters() {
        long s = 0;
        for (TensorInfo t : tensors) s += t.parameters();
        return s;
    }

    public double bitsPerWeight() {
        long p = parameters();
        return p == 0 ? 0 : 8.0 * weightBytes() / p;
    }

    /** The type holding most bytes among the 2-D weights (the variant's name for a file). */
    static String dominantType(List<TensorInfo> tensors) {
        Map<TensorType, Long> bytes = new EnumMap<>(TensorType.class);
        for (TensorInfo t : tensors) {
            if (t.rank() >= 2) bytes.merge(t.type(), t.byteSize(), Long::sum);
        }
        return bytes.entrySet().stream().max(Map.Entry.comparingByValue())
                .map(e -> e.getKey().name()).orElse("unknown");
    }

    /** Whether the output projection reuses the token embedding (no separate output tensor). */
    boolean tiedOutput() {
        for (TensorInfo t : tensors) if (t.role() == TensorRole.OUTPUT && t.rank() >= 2) return false;
        return true;
    }
}
