package dev.weightclass.format.gguf;

import java.util.Optional;

/**
 * The metadata value types of GGUF, with their on-disk ids. {@code size} is the encoded size of
 * one value for fixed-size types, 0 for STRING and ARRAY (which carry their own lengths).
 */
public enum GgufValueType {
    UINT8(0, 1), INT8(1, 1), UINT16(2, 2), INT16(3, 2), UINT32(4, 4), INT32(5, 4), FLOAT32(6, 4),
    BOOL(7, 1), STRING(8, 0), ARRAY(9, 0), UINT64(10, 8), INT64(11, 8), FLOAT64(12, 8);

    private final int id;
    private final int size;

    GgufValueType(int id, int size) {
        this.id = id;
        this.size = size;
    }

    public int id() { return id; }

    /** Bytes of one value, 0 for the variable-length STRING and ARRAY. */
    public int size() { return size; }

    public boolean isInteger() {
        return this != FLOAT32 && this != FLOAT64 && this != BOOL && this != STRING && this != ARRAY;
    }

    /** The smallest number of bytes one value of this type can take (used to bound counts). */
    int minSize() {
        return switch (this) {
            case STRING -> 8;          // u64 length
            case ARRAY -> 12;          // u32 element type + u64 count
            default -> size;
        };
    }

    private static final GgufValueType[] BY_ID = values();

    public static Optional<GgufValueType> fromId(long id) {
        if (id < 0 || id >= BY_ID.length) return Optional.empty();
        return Optional.of(BY_ID[(int) id]);
    }
}
