package dev.weightclass.format.onnx;

import dev.weightclass.tensor.TensorType;

/** ONNX {@code TensorProto.DataType} numbers and what they map to. */
final class OnnxTypes {
    private OnnxTypes() {}

    static final int FLOAT = 1, UINT8 = 2, INT8 = 3, UINT16 = 4, INT16 = 5, INT32 = 6, INT64 = 7,
            STRING = 8, BOOL = 9, FLOAT16 = 10, DOUBLE = 11, UINT32 = 12, UINT64 = 13,
            COMPLEX64 = 14, COMPLEX128 = 15, BFLOAT16 = 16, FLOAT8E4M3FN = 17, FLOAT8E4M3FNUZ = 18,
            FLOAT8E5M2 = 19, FLOAT8E5M2FNUZ = 20, UINT4 = 21, INT4 = 22, FLOAT4E2M1 = 23, FLOAT8E8M0 = 24;

    private static final String[] NAMES = {"UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16",
            "INT32", "INT64", "STRING", "BOOL", "FLOAT16", "DOUBLE", "UINT32", "UINT64", "COMPLEX64",
            "COMPLEX128", "BFLOAT16", "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2", "FLOAT8E5M2FNUZ",
            "UINT4", "INT4", "FLOAT4E2M1", "FLOAT8E8M0"};

    static String name(long dataType) {
        return dataType >= 0 && dataType < NAMES.length ? NAMES[(int) dataType] : "data_type " + dataType;
    }

    /** The element type, or null for data types weightclass does not handle (complex, unknown). */
    static TensorType type(long dataType) {
        return switch ((int) Math.max(Math.min(dataType, 1000), -1)) {
            case FLOAT -> TensorType.F32;
            case UINT8 -> TensorType.U8;
            case INT8 -> TensorType.I8;
            case UINT16 -> TensorType.U16;
            case INT16 -> TensorType.I16;
            case INT32 -> TensorType.I32;
            case INT64 -> TensorType.I64;
            case STRING -> TensorType.STRING;
            case BOOL -> TensorType.BOOL;
            case FLOAT16 -> TensorType.F16;
            case DOUBLE -> TensorType.F64;
            case UINT32 -> TensorType.U32;
            case UINT64 -> TensorType.U64;
            case BFLOAT16 -> TensorType.BF16;
            case FLOAT8E4M3FN -> TensorType.F8_E4M3;
            case FLOAT8E4M3FNUZ -> TensorType.F8_E4M3FNUZ;
            case FLOAT8E5M2 -> TensorType.F8_E5M2;
            case FLOAT8E5M2FNUZ -> TensorType.F8_E5M2FNUZ;
            case UINT4 -> TensorType.U4;
            case INT4 -> TensorType.I4;
            case FLOAT4E2M1 -> TensorType.F4;
            case FLOAT8E8M0 -> TensorType.F8_E8M0;
            default -> null;
        };
    }

    /** Bytes the raw (little-endian, 4-bit types packed two per byte) encoding takes. */
    static long rawBytes(TensorType t, long elements) {
        if (t == TensorType.I4 || t == TensorType.U4 || t == TensorType.F4) return (elements + 1) / 2;
        if (t == TensorType.STRING) return 0;
        return Math.multiplyExact(elements, (long) t.blockBytes());
    }

    /** The TensorProto field that holds this type's values when raw_data is not used. */
    static int typedField(long dataType) {
        return switch ((int) dataType) {
            case FLOAT, COMPLEX64 -> 4;          // float_data
            case INT64 -> 7;                     // int64_data
            case STRING -> 6;                    // string_data
            case DOUBLE, COMPLEX128 -> 10;       // double_data
            case UINT32, UINT64 -> 11;           // uint64_data
            default -> 5;                        // int32_data: every type of 16 bits or less, and INT32
        };
    }

    /** Values the typed field holds for {@code elements} elements (4-bit types: one packed byte per value). */
    static long typedValues(TensorType t, long elements) {
        if (t == TensorType.I4 || t == TensorType.U4 || t == TensorType.F4) return (elements + 1) / 2;
        return elements;
    }
}
