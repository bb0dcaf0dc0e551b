package dev.weightclass.quant.onnx;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** The ONNX weight quantizations weightclass writes. */
public enum OnnxQuantType {
    /** Per-channel symmetric int8 MatMul/Gemm weights run by MatMulInteger; embedding tables uint8. */
    INT8("int8"),
    /** 4-bit symmetric blocks of 32 along the input dimension, run by com.microsoft MatMulNBits. */
    INT4("int4");

    private final String label;

    OnnxQuantType(String label) { this.label = label; }

    public String label() { return label; }

    /** The type named {@code s} (case-insensitive), if it is one of these. */
    public static Optional<OnnxQuantType> parse(String s) {
        String l = s.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(t -> t.label.equals(l)).findFirst();
    }

    public static String names() {
        return Arrays.stream(values()).map(OnnxQuantType::label).collect(Collectors.joining(" "));
    }
}
