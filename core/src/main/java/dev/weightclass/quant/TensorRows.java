package dev.weightclass.quant;

import dev.weightclass.tensor.TensorType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Reads rows of a stored tensor as floats, whatever its type: F32 copied, F16/BF16 widened
 * exactly, quantized types dequantized (what llama-quantize does before requantizing).
 */
public final class TensorRows {
    private TensorRows() {}

    private static final ValueLayout.OfFloat F32_LE =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** True when rows of {@code type} can be read as floats. */
    public static boolean readable(TensorType type) {
        return type == TensorType.F32 || type == TensorType.F16 || type == TensorType.BF16
                || Quantizers.find(type).isPresent();
    }

    /** Bytes of one row of {@code n} elements stored as {@code type}. */
    public static long rowBytes(TensorType type, long n) {
        long b = type.bytesFor(n);
        if (b < 0) throw new IllegalArgumentException("row of " + n + " is not a whole number of " + type + " blocks");
        return b;
    }

    /** Reads {@code n} values of row {@code row} of a tensor whose data is {@code data}. */
    public static void read(MemorySegment data, TensorType type, int n, long row, float[] out, int outOff) {
        long off = row * rowBytes(type, n);
        switch (type) {
            case F32 -> MemorySegment.copy(data, F32_LE, off, out, outOff, n);
            case F16 -> {
                for (int i = 0; i < n; i++) out[outOff + i] = Float.float16ToFloat(data.get(I16_LE, off + 2L * i));
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) out[outOff + i] = Half.bf16ToFloat(data.get(I16_LE, off + 2L * i));
            }
            default -> Quantizers.forType(type).dequantize(data, off, out, outOff, n);
        }
    }
}
