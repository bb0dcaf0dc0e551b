package dev.weightclass.quant;

import dev.weightclass.WeightclassException;
import dev.weightclass.tensor.TensorType;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A llama-quantize target: the file type written to {@code general.file_type} and the tensor
 * type most weights get. The _S/_M/_L mixtures share a base type and differ only in which
 * tensors {@link QuantPlan} bumps to more bits.
 */
public enum QuantPreset {
    F32(0, TensorType.F32), F16(1, TensorType.F16), BF16(32, TensorType.BF16),
    Q8_0(7, TensorType.Q8_0), Q6_K(18, TensorType.Q6_K),
    Q5_K_M(17, TensorType.Q5_K), Q5_K_S(16, TensorType.Q5_K),
    Q5_1(9, TensorType.Q5_1), Q5_0(8, TensorType.Q5_0),
    Q4_K_M(15, TensorType.Q4_K), Q4_K_S(14, TensorType.Q4_K),
    Q4_1(3, TensorType.Q4_1), Q4_0(2, TensorType.Q4_0),
    Q3_K_L(13, TensorType.Q3_K), Q3_K_M(12, TensorType.Q3_K), Q3_K_S(11, TensorType.Q3_K),
    Q2_K(10, TensorType.Q2_K),
    IQ4_NL(25, TensorType.IQ4_NL), IQ4_XS(30, TensorType.IQ4_XS);

    private final int fileType;
    private final TensorType baseType;

    QuantPreset(int fileType, TensorType baseType) {
        this.fileType = fileType;
        this.baseType = baseType;
    }

    /** llama.cpp's {@code llama_ftype} value, stored as {@code general.file_type}. */
    public int fileType() { return fileType; }

    /** The type a weight gets when no rule of the mixture says otherwise. */
    public TensorType baseType() { return baseType; }

    /** True when the base type is block-quantized, i.e. when the mixture rules apply at all. */
    public boolean isQuantized() { return baseType.isQuantized(); }

    /** Case-insensitive lookup; a wrong name is a user error that lists the valid ones. */
    public static QuantPreset parse(String name) {
        String n = name.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        try {
            return valueOf(n);
        } catch (IllegalArgumentException e) {
            throw new WeightclassException("unknown quantization type '" + name + "' (one of "
                    + Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", ")) + ")");
        }
    }
}
