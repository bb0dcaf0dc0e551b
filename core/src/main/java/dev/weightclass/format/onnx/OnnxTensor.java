package dev.weightclass.format.onnx;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.weightclass.format.onnx.proto.Onnx;
import dev.weightclass.tensor.TensorType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One initializer as found by walking its {@code TensorProto} in the mapped file: header fields
 * parsed, data only located. Where the data lives:
 * <ul>
 *   <li>{@link Storage#RAW}: {@code raw_data} (field 9), a slice of the model file;</li>
 *   <li>{@link Storage#EXTERNAL}: a range of an external data file;</li>
 *   <li>{@link Storage#PACKED}: a single packed {@code float_data}/{@code double_data} run, whose
 *       little-endian fixed-width encoding is already the raw layout: also a zero-copy slice;</li>
 *   <li>{@link Storage#DECODED}: varint-encoded typed fields ({@code int32_data}, {@code int64_data},
 *       {@code uint64_data}) or unpacked repeats: decoded into a small heap copy on first access.
 *       The offset reported for them is where the field's first value starts in the model file.</li>
 * </ul>
 */
record OnnxTensor(String name, long[] dims, long dataType, TensorType type, long elements, long byteSize,
                  Storage storage, int fileIndex, long offset, List<Run> runs,
                  Map<String, String> externalData, long protoOffset, long protoLength) {

    enum Storage { RAW, EXTERNAL, PACKED, DECODED, EMPTY }

    /** One occurrence of a typed data field: its payload range and wire type. */
    record Run(long offset, long length, int wireType) {}

    OnnxTensor withExternal(int fileIndex, long offset) {
        return new OnnxTensor(name, dims, dataType, type, elements, byteSize, Storage.EXTERNAL, fileIndex,
                offset, runs, externalData, protoOffset, protoLength);
    }

    private static final long MAX_NAME = 1 << 16;

    /**
     * Walks the TensorProto in {@code w}. {@code where} names it for errors, e.g.
     * {@code "initializer #12"}.
     */
    static OnnxTensor read(Wire w, String where) {
        long protoOffset = w.position();
        long protoLength = w.end() - protoOffset;
        List<Long> dims = new ArrayList<>();
        long dataType = 0;
        String name = null;
        long rawOffset = -1, rawLength = 0;
        int location = 0;
        Map<String, String> external = new LinkedHashMap<>();
        Map<Integer, List<Run>> typed = new LinkedHashMap<>();
        while (w.more()) {
            int tag = w.tag();
            int field = Wire.number(tag);
            switch (field) {
                case 1 -> { // dims: packed or one per field
                    if (Wire.type(tag) == Wire.LEN) {
                        long n = w.length("dims");
                        Wire p = w.sub(w.position(), n, where);
                        while (p.more()) dims.add(p.nonNegative("dims"));
                        w.skipBytes(n, "dims");
                    } else {
                        w.expect(tag, Wire.VARINT, "dims");
                        dims.add(w.nonNegative("dims"));
                    }
                }
                case 2 -> {
                    w.expect(tag, Wire.VARINT, "data_type");
                    dataType = w.varint("data_type");
                }
                case 3 -> throw w.error("segment", w.fieldStart(), "segmented tensors are not supported");
                case 8 -> {
                    w.expect(tag, Wire.LEN, "name");
                    name = w.string("name", MAX_NAME);
                }
                case 9 -> {
                    w.expect(tag, Wire.LEN, "raw_data");
                    rawLength = w.length("raw_data");
                    rawOffset = w.position();
                    w.skipBytes(rawLength, "raw_data");
                }
                case 13 -> {
                    w.expect(tag, Wire.LEN, "external_data");
                    long at = w.position();
                    try {
                        var e = Onnx.StringStringEntryProto.parseFrom(w.bytes("external_data", MAX_NAME));
                        external.put(e.getKey(), e.getValue());
                    } catch (InvalidProtocolBufferException e) {
                        throw w.error("external_data", at, "malformed entry: " + e.getMessage());
                    }
                }
                case 14 -> {
                    w.expect(tag, Wire.VARINT, "data_location");
                    location = (int) w.varint("data_location");
                }
                case 4, 5, 6, 7, 10, 11 -> {
                    int wt = Wire.type(tag);
                    long len;
                    long at;
                    if (wt == Wire.LEN) {
                        len = w.length(fieldName(field));
                        at = w.position();
                        w.skipBytes(len, fieldName(field));
                    } else {
                        at = w.position();
                        w.skip(tag);
                        len = w.position() - at;
                    }
                    typed.computeIfAbsent(field, k -> new ArrayList<>()).add(new Run(at, len, wt));
                }
                default -> w.skip(tag); // doc_string, metadata_props, fields of newer IR versions
            }
        }
        String label = name == null ? where : "initializer '" + name + "'";
        if (name == null || name.isEmpty()) throw w.error("name", protoOffset, where + " has no name");
        TensorType type = OnnxTypes.type(dataType);
        if (type == null) {
            throw w.error("data_type", protoOffset, label + ": " + (dataType == OnnxTypes.COMPLEX64
                    || dataType == OnnxTypes.COMPLEX128 ? "complex tensors are not supported"
                    : "unknown data_type " + dataType + " (" + OnnxTypes.name(dataType) + ")"));
        }
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        long elements = 1;
        for (long d : shape) {
            try {
                elements = Math.multiplyExact(elements, d);
            } catch (ArithmeticException e) {
                throw w.error("dims", protoOffset, label + ": element count overflows");
            }
        }
        long bytes;
        try {
            bytes = OnnxTypes.rawBytes(type, elements);
        } catch (ArithmeticException e) {
            throw w.error("dims", protoOffset, label + ": byte size overflows");
        }
        if (location == 1) {
            if (!external.containsKey("location")) {
                throw w.error("external_data", protoOffset, label + ": data_location is EXTERNAL but no 'location' is given");
            }
            return new OnnxTensor(name, shape, dataType, type, elements, bytes, Storage.EXTERNAL, -1, -1,
                    List.of(), external, protoOffset, protoLength);
        }
        if (location != 0) throw w.error("data_location", protoOffset, label + ": unknown data_location " + location);
        if (rawOffset >= 0) {
            if (!typed.isEmpty()) throw w.error("raw_data", rawOffset, label + ": both raw_data and typed data fields");
            if (type == TensorType.STRING) throw w.error("raw_data", rawOffset, label + ": STRING tensors cannot use raw_data");
            if (rawLength != bytes) {
                throw w.error("raw_data", rawOffset, label + ": raw_data holds " + rawLength + " bytes but "
                        + OnnxTypes.name(dataType) + " " + java.util.Arrays.toString(shape) + " needs " + bytes);
            }
            return new OnnxTensor(name, shape, dataType, type, elements, bytes, Storage.RAW, 0, rawOffset,
                    List.of(), Map.of(), protoOffset, protoLength);
        }
        int expectedField = OnnxTypes.typedField(dataType);
        for (Map.Entry<Integer, List<Run>> e : typed.entrySet()) {
            if (e.getKey() != expectedField) {
                throw w.error(fieldName(e.getKey()), e.getValue().getFirst().offset(), label + ": "
                        + fieldName(e.getKey()) + " cannot hold " + OnnxTypes.name(dataType) + " values");
            }
        }
        List<Run> runs = typed.getOrDefault(expectedField, List.of());
        if (elements == 0 || type == TensorType.STRING) {
            return new OnnxTensor(name, shape, dataType, type, elements, 0, Storage.EMPTY, 0,
                    runs.isEmpty() ? protoOffset : runs.getFirst().offset(), List.of(), Map.of(), protoOffset, protoLength);
        }
        if (runs.isEmpty()) throw w.error("raw_data", protoOffset, label + ": no data (neither raw_data, typed values nor external data)");
        long values = 0;
        for (Run r : runs) values += countValues(w, r, expectedField);
        long expectedValues = OnnxTypes.typedValues(type, elements);
        if (values != expectedValues) {
            throw w.error(fieldName(expectedField), runs.getFirst().offset(), label + ": " + values
                    + " values but " + OnnxTypes.name(dataType) + " " + java.util.Arrays.toString(shape) + " needs " + expectedValues);
        }
        boolean fixedIsRaw = (expectedField == 4 && type == TensorType.F32) || (expectedField == 10 && type == TensorType.F64);
        if (fixedIsRaw && runs.size() == 1 && runs.getFirst().wireType() == Wire.LEN) {
            return new OnnxTensor(name, shape, dataType, type, elements, bytes, Storage.PACKED, 0,
                    runs.getFirst().offset(), runs, Map.of(), protoOffset, protoLength);
        }
        return new OnnxTensor(name, shape, dataType, type, elements, bytes, Storage.DECODED, 0,
                runs.getFirst().offset(), List.copyOf(runs), Map.of(), protoOffset, protoLength);
    }

    private static long countValues(Wire w, Run r, int field) {
        boolean fixed32 = field == 4, fixed64 = field == 10;
        if (r.wireType() != Wire.LEN) {
            int want = fixed32 ? Wire.FIXED32 : fixed64 ? Wire.FIXED64 : Wire.VARINT;
            if (r.wireType() != want) throw w.error(fieldName(field), r.offset(), "wire type " + r.wireType() + " where " + want + " is required");
            return 1;
        }
        if (fixed32 || fixed64) {
            int size = fixed32 ? 4 : 8;
            if (r.length() % size != 0) throw w.error(fieldName(field), r.offset(), "packed length " + r.length() + " is not a multiple of " + size);
            return r.length() / size;
        }
        return w.countVarints(r.offset(), r.length(), fieldName(field));
    }

    static String fieldName(int field) {
        return switch (field) {
            case 4 -> "float_data";
            case 5 -> "int32_data";
            case 6 -> "string_data";
            case 7 -> "int64_data";
            case 10 -> "double_data";
            case 11 -> "uint64_data";
            default -> "field " + field;
        };
    }

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * Decodes typed values into the raw little-endian layout: each value truncated to the element
     * width (one packed byte per value for 4-bit types). Only for {@link Storage#DECODED}.
     */
    byte[] decode(Wire file) {
        int width = type == TensorType.I4 || type == TensorType.U4 || type == TensorType.F4 ? 1 : type.blockBytes();
        byte[] out = new byte[Math.toIntExact(byteSize)];
        MemorySegment dst = MemorySegment.ofArray(out);
        long at = 0;
        int field = OnnxTypes.typedField(dataType);
        for (Run r : runs) {
            Wire w = file.sub(r.offset(), r.length(), "initializer '" + name + "'");
            boolean packed = r.wireType() == Wire.LEN;
            while (w.more()) {
                long v;
                if (field == 4) v = Integer.toUnsignedLong(w.segment().get(INT, w.position()));
                else if (field == 10) v = w.segment().get(LONG, w.position());
                else v = w.varint(fieldName(field));
                if (field == 4) w.skipBytes(4, "float_data");
                if (field == 10) w.skipBytes(8, "double_data");
                for (int i = 0; i < width; i++) dst.set(ValueLayout.JAVA_BYTE, at + i, (byte) (v >>> (8 * i)));
                at += width;
                if (!packed) break;
            }
        }
        return out;
    }
}
