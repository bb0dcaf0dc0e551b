package dev.weightclass.format.safetensors;

import dev.weightclass.tensor.TensorType;

import java.util.List;
import java.util.Optional;

/**
 * The element types a safetensors header may name, in the reference library's order. That order
 * is its alignment rank: the reference writer puts tensors of later (wider) types first.
 */
public final class SafetensorsDtypes {
    private SafetensorsDtypes() {}

    /** Every dtype of the format, narrowest alignment first. */
    public static final List<TensorType> ORDER = List.of(
            TensorType.BOOL, TensorType.F4, TensorType.F6_E2M3, TensorType.F6_E3M2,
            TensorType.U8, TensorType.I8, TensorType.F8_E5M2, TensorType.F8_E4M3, TensorType.F8_E8M0,
            TensorType.F8_E4M3FNUZ, TensorType.F8_E5M2FNUZ,
            TensorType.I16, TensorType.U16, TensorType.F16, TensorType.BF16,
            TensorType.I32, TensorType.U32, TensorType.F32, TensorType.F64, TensorType.I64, TensorType.U64);

    /** The type a header's {@code dtype} string names (exact, upper case as the format writes it). */
    public static Optional<TensorType> fromName(String dtype) {
        for (TensorType t : ORDER) if (t.name().equals(dtype)) return Optional.of(t);
        return Optional.empty();
    }

    /** True when safetensors can store this type. */
    public static boolean supports(TensorType type) {
        return ORDER.contains(type);
    }

    /** Alignment rank: higher ranks are written first. */
    public static int rank(TensorType type) {
        int i = ORDER.indexOf(type);
        if (i < 0) throw new IllegalArgumentException("safetensors cannot store " + type);
        return i;
    }
}
