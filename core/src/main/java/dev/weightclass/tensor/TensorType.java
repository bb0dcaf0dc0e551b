package dev.weightclass.tensor;

import java.util.Locale;
import java.util.Optional;

/**
 * Every element type a model file can hold: all ggml types (with their GGUF type id, block size
 * and bytes per block) and the extra types of safetensors and ONNX. Sub-byte types are blocks
 * too: F4 packs 2 elements per byte, F6 packs 4 elements into 3 bytes.
 */
public enum TensorType {
    F32(0, 1, 4, true), F16(1, 1, 2, true), Q4_0(2, 32, 18), Q4_1(3, 32, 20),
    Q5_0(6, 32, 22), Q5_1(7, 32, 24), Q8_0(8, 32, 34), Q8_1(9, 32, 36),
    Q2_K(10, 256, 84), Q3_K(11, 256, 110), Q4_K(12, 256, 144), Q5_K(13, 256, 176),
    Q6_K(14, 256, 210), Q8_K(15, 256, 292),
    IQ2_XXS(16, 256, 66), IQ2_XS(17, 256, 74), IQ3_XXS(18, 256, 98), IQ1_S(19, 256, 50),
    IQ4_NL(20, 32, 18), IQ3_S(21, 256, 110), IQ2_S(22, 256, 82), IQ4_XS(23, 256, 136),
    I8(24, 1, 1, false), I16(25, 1, 2, false), I32(26, 1, 4, false), I64(27, 1, 8, false),
    F64(28, 1, 8, true), IQ1_M(29, 256, 56), BF16(30, 1, 2, true),
    TQ1_0(34, 256, 54), TQ2_0(35, 256, 66), MXFP4(39, 32, 17),

    // Types that only safetensors / ONNX use (no ggml id).
    BOOL(-1, 1, 1, false), U8(-1, 1, 1, false), U16(-1, 1, 2, false), U32(-1, 1, 4, false),
    U64(-1, 1, 8, false), F8_E5M2(-1, 1, 1, true), F8_E4M3(-1, 1, 1, true),
    F8_E4M3FNUZ(-1, 1, 1, true), F8_E5M2FNUZ(-1, 1, 1, true), F8_E8M0(-1, 1, 1, true),
    F4(-1, 2, 1, true), F6_E2M3(-1, 4, 3, true), F6_E3M2(-1, 4, 3, true),
    I4(-1, 2, 1, false), U4(-1, 2, 1, false), STRING(-1, 1, 0, false);

    private final int ggmlId;
    private final int blockSize;
    private final int blockBytes;
    private final boolean quantized;
    private final boolean floating;

    TensorType(int ggmlId, int blockSize, int blockBytes) {
        this(ggmlId, blockSize, blockBytes, false, true);
    }

    TensorType(int ggmlId, int blockSize, int blockBytes, boolean floating) {
        this(ggmlId, blockSize, blockBytes, false, floating);
    }

    TensorType(int ggmlId, int blockSize, int blockBytes, boolean quantized, boolean floating) {
        this.ggmlId = ggmlId;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
        this.quantized = quantized || (blockSize > 1 && name().matches("^(Q|IQ|TQ|MXFP).*"));
        this.floating = floating;
    }

    /** GGUF/ggml type id, or -1 for types ggml does not have. */
    public int ggmlId() { return ggmlId; }

    /** Elements per block (1 for plain types). */
    public int blockSize() { return blockSize; }

    /** Bytes per block. */
    public int blockBytes() { return blockBytes; }

    /** True for ggml block-quantized types (Q*, IQ*, TQ*, MXFP4). */
    public boolean isQuantized() { return quantized; }

    public boolean isFloatingPoint() { return floating; }

    public boolean isGgml() { return ggmlId >= 0; }

    public double bitsPerWeight() { return 8.0 * blockBytes / blockSize; }

    /** Bytes for {@code elements} values, or -1 when the count is not a whole number of blocks. */
    public long bytesFor(long elements) {
        if (elements < 0 || elements % blockSize != 0) return -1;
        return Math.multiplyExact(elements / blockSize, (long) blockBytes);
    }

    private static final TensorType[] BY_GGML_ID = new TensorType[64];
    static {
        for (TensorType t : values()) if (t.ggmlId >= 0) BY_GGML_ID[t.ggmlId] = t;
    }

    public static Optional<TensorType> fromGgmlId(long id) {
        if (id < 0 || id >= BY_GGML_ID.length) return Optional.empty();
        return Optional.ofNullable(BY_GGML_ID[(int) id]);
    }

    /** Case-insensitive lookup by name. */
    public static Optional<TensorType> fromName(String name) {
        try {
            return Optional.of(valueOf(name.trim().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
