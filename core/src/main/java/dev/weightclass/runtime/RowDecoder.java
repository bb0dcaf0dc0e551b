package dev.weightclass.runtime;

import dev.weightclass.WeightclassException;
import dev.weightclass.quant.Quantizers;
import dev.weightclass.tensor.TensorType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Element-by-element decoding of one stored row into floats: the reference every kernel is checked against. */
final class RowDecoder {
    private RowDecoder() {}

    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED;

    /** Types the runtime can multiply: the plain float types and every type the quantization library reads. */
    static boolean supports(TensorType t) {
        return t == TensorType.F32 || t == TensorType.F16 || t == TensorType.BF16 || Quantizers.scalar(t).isPresent();
    }

    static float f16(MemorySegment s, long off) {
        return Float.float16ToFloat(s.get(I16, off));
    }

    static float bf16(MemorySegment s, long off) {
        return Float.intBitsToFloat((s.get(I16, off) & 0xFFFF) << 16);
    }

    /** Row {@code row} of {@code w} into {@code out[off..off+cols)}. */
    static void decode(WeightMatrix w, int row, float[] out, int off) {
        MemorySegment s = w.data();
        long base = w.rowOffset(row);
        int cols = w.cols();
        switch (w.type()) {
            case F32 -> {
                for (int c = 0; c < cols; c++) out[off + c] = s.get(F32, base + 4L * c);
            }
            case F16 -> {
                for (int c = 0; c < cols; c++) out[off + c] = f16(s, base + 2L * c);
            }
            case BF16 -> {
                for (int c = 0; c < cols; c++) out[off + c] = bf16(s, base + 2L * c);
            }
            // Block-quantized types: the quantization library's reference decoders, block by block.
            default -> Quantizers.scalar(w.type())
                    .orElseThrow(() -> new WeightclassException(w.name() + ": tensor type " + w.type()
                            + " is not supported"))
                    .dequantize(s, base, out, off, cols);
        }
    }
}
