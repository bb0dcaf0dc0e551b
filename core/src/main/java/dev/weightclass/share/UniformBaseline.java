package dev.weightclass.share;

import dev.weightclass.format.gguf.GgufFile;
import dev.weightclass.quant.GgufQuantizer;
import dev.weightclass.quant.Quantizers;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorType;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The uniform quantization a palette is compared against: the ggml type closest in bits per weight
 * ({@code 4 -> Q4_0}, {@code 8 -> Q8_0}, ...) applied to the same matrices. A row length the type's
 * block does not divide takes the legacy 32-block type of similar size, else F16 (what the
 * converters do), and the report says how many tensors that hit.
 */
public final class UniformBaseline {
    private UniformBaseline() {}

    /** The uniform type for a palette of {@code bits}. */
    public static TensorType typeFor(int bits) {
        return switch (bits) {
            case 2 -> TensorType.Q2_K;
            case 3 -> TensorType.Q3_K;
            case 4 -> TensorType.Q4_0;
            case 5 -> TensorType.Q5_0;
            case 6 -> TensorType.Q6_K;
            default -> TensorType.Q8_0;
        };
    }

    private static TensorType legacyFor(int bits) {
        return bits <= 4 ? TensorType.Q4_0 : bits == 5 ? TensorType.Q5_0 : TensorType.Q8_0;
    }

    /**
     * Quantizes {@code names} of {@code src} into {@code target}.
     *
     * @return how many tensors got each type
     */
    public static Map<TensorType, Integer> write(GgufFile src, List<String> names, int bits, Path target, int threads)
            throws IOException {
        Map<String, TensorType> types = new HashMap<>();
        Map<TensorType, Integer> counts = new TreeMap<>();
        for (TensorInfo t : src.tensors()) {
            if (!names.contains(t.name())) continue;
            long cols = t.shape()[t.shape().length - 1];
            TensorType type = typeFor(bits);
            if (cols % type.blockSize() != 0) type = legacyFor(bits);
            if (cols % type.blockSize() != 0) type = TensorType.F16;
            if (type == t.type() || !Quantizers.find(type).map(q -> q.canQuantize()).orElse(type == TensorType.F16)) continue;
            types.put(t.name(), type);
            counts.merge(type, 1, Integer::sum);
        }
        GgufQuantizer.quantize(src, target, types, fileType(typeFor(bits)), threads, null);
        return counts;
    }

    /** llama_ftype of a pure model of that type (recorded as general.file_type). */
    private static int fileType(TensorType t) {
        return switch (t) {
            case Q2_K -> 10;
            case Q3_K -> 11;
            case Q4_0 -> 2;
            case Q5_0 -> 8;
            case Q6_K -> 18;
            default -> 7;
        };
    }
}
