package dev.weightclass.format.gguf;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.AbstractList;
import java.util.List;
import java.util.Objects;

/**
 * One GGUF metadata value, kept with its exact type so that writing it back gives the same bytes.
 * <p>How {@code value} holds each type:
 * <ul>
 *   <li>UINT8, INT8, UINT16, INT16, INT32: {@link Integer} (unsigned types hold their unsigned value)</li>
 *   <li>UINT32, INT64: {@link Long}; UINT64: {@link Long} holding the 64 raw bits</li>
 *   <li>FLOAT32: {@link Float}; FLOAT64: {@link Double}; BOOL: {@link Boolean}</li>
 *   <li>STRING: {@link String}, or {@code byte[]} for bytes that are not valid UTF-8 (kept raw so
 *       they round-trip; such strings appear in a few real vocabularies)</li>
 *   <li>ARRAY: an unmodifiable {@link List} of element values in the representation above;
 *       for nested arrays ({@code elementType == ARRAY}) each element is a {@code GgufValue}</li>
 * </ul>
 *
 * @param type        the value's type
 * @param value       the value (see above)
 * @param elementType for arrays the element type, otherwise null
 */
public record GgufValue(GgufValueType type, Object value, GgufValueType elementType) {

    public GgufValue {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(value, "value");
        if (type == GgufValueType.ARRAY) {
            Objects.requireNonNull(elementType, "elementType");
            if (!(value instanceof List<?> l)) throw new IllegalArgumentException("ARRAY value must be a List");
            for (Object e : l) check(elementType, e);
            value = List.copyOf(l);
        } else {
            if (elementType != null) throw new IllegalArgumentException("elementType is only for arrays");
            check(type, value);
        }
    }

    private static void check(GgufValueType t, Object v) {
        boolean ok = switch (t) {
            case UINT8 -> v instanceof Integer i && i >= 0 && i <= 0xff;
            case INT8 -> v instanceof Integer i && i >= Byte.MIN_VALUE && i <= Byte.MAX_VALUE;
            case UINT16 -> v instanceof Integer i && i >= 0 && i <= 0xffff;
            case INT16 -> v instanceof Integer i && i >= Short.MIN_VALUE && i <= Short.MAX_VALUE;
            case INT32 -> v instanceof Integer;
            case UINT32 -> v instanceof Long l && l >= 0 && l <= 0xffffffffL;
            case INT64, UINT64 -> v instanceof Long;
            case FLOAT32 -> v instanceof Float;
            case FLOAT64 -> v instanceof Double;
            case BOOL -> v instanceof Boolean;
            case STRING -> v instanceof String || v instanceof byte[];
            case ARRAY -> v instanceof GgufValue g && g.type == GgufValueType.ARRAY;
        };
        if (!ok) {
            throw new IllegalArgumentException("value " + v + " (" + (v == null ? "null" : v.getClass().getSimpleName())
                    + ") does not fit GGUF type " + t);
        }
    }

    // ---- factories ----

    public static GgufValue u8(int v) { return new GgufValue(GgufValueType.UINT8, v, null); }
    public static GgufValue i8(int v) { return new GgufValue(GgufValueType.INT8, v, null); }
    public static GgufValue u16(int v) { return new GgufValue(GgufValueType.UINT16, v, null); }
    public static GgufValue i16(int v) { return new GgufValue(GgufValueType.INT16, v, null); }
    public static GgufValue u32(long v) { return new GgufValue(GgufValueType.UINT32, v, null); }
    public static GgufValue i32(int v) { return new GgufValue(GgufValueType.INT32, v, null); }
    public static GgufValue u64(long v) { return new GgufValue(GgufValueType.UINT64, v, null); }
    public static GgufValue i64(long v) { return new GgufValue(GgufValueType.INT64, v, null); }
    public static GgufValue f32(float v) { return new GgufValue(GgufValueType.FLOAT32, v, null); }
    public static GgufValue f64(double v) { return new GgufValue(GgufValueType.FLOAT64, v, null); }
    public static GgufValue bool(boolean v) { return new GgufValue(GgufValueType.BOOL, v, null); }
    public static GgufValue string(String v) { return new GgufValue(GgufValueType.STRING, v, null); }

    public static GgufValue array(GgufValueType elementType, List<?> elements) {
        return new GgufValue(GgufValueType.ARRAY, elements, elementType);
    }

    // ---- accessors ----

    public boolean isArray() { return type == GgufValueType.ARRAY; }

    /** An integer value as a long (UINT64 above 2^63-1 comes back negative). */
    public long asLong() {
        if (!type.isInteger()) throw new IllegalStateException(type + " is not an integer type");
        return ((Number) value).longValue();
    }

    public double asDouble() {
        if (type == GgufValueType.FLOAT32 || type == GgufValueType.FLOAT64 || type.isInteger()) {
            return type == GgufValueType.UINT64 && (Long) value < 0
                    ? new BigInteger(Long.toUnsignedString((Long) value)).doubleValue()
                    : ((Number) value).doubleValue();
        }
        throw new IllegalStateException(type + " is not a number");
    }

    public boolean asBoolean() {
        if (type != GgufValueType.BOOL) throw new IllegalStateException(type + " is not BOOL");
        return (Boolean) value;
    }

    /** A STRING value (invalid UTF-8 shown with replacement characters). */
    public String asString() {
        if (type != GgufValueType.STRING) throw new IllegalStateException(type + " is not STRING");
        return stringOf(value);
    }

    /** The elements of an ARRAY in the representation described on the class. */
    public List<?> asList() {
        if (type != GgufValueType.ARRAY) throw new IllegalStateException(type + " is not ARRAY");
        return (List<?>) value;
    }

    /** Number of elements of an ARRAY. */
    public int size() { return asList().size(); }

    /**
     * The value as a plain Java value: numbers, Boolean, String, and Lists for arrays (nested
     * arrays as nested lists). UINT64 above 2^63-1 becomes a {@link BigInteger}.
     */
    public Object plain() {
        return type == GgufValueType.ARRAY ? plainList() : plain(type, value);
    }

    private static Object plain(GgufValueType t, Object v) {
        return switch (t) {
            case STRING -> stringOf(v);
            case UINT64 -> (Long) v < 0 ? new BigInteger(Long.toUnsignedString((Long) v)) : v;
            case ARRAY -> ((GgufValue) v).plainList();
            default -> v;
        };
    }

    private List<Object> plainList() {
        List<?> list = asList();
        GgufValueType et = elementType;
        return new AbstractList<>() {
            @Override public Object get(int i) { return plain(et, list.get(i)); }
            @Override public int size() { return list.size(); }
        };
    }

    private static String stringOf(Object v) {
        return v instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : (String) v;
    }

    /** Bytes of the encoded value, without its type tag (arrays include element type and count). */
    public long encodedSize() {
        if (type != GgufValueType.ARRAY) return encodedSize(type, value);
        long n = 12;
        List<?> list = asList();
        if (elementType.size() > 0) return n + (long) elementType.size() * list.size();
        for (Object e : list) n += encodedSize(elementType, e);
        return n;
    }

    private static long encodedSize(GgufValueType t, Object v) {
        return switch (t) {
            case STRING -> 8L + utf8(v).length;
            case ARRAY -> ((GgufValue) v).encodedSize();
            default -> t.size();
        };
    }

    static byte[] utf8(Object stringValue) {
        return stringValue instanceof byte[] b ? b : ((String) stringValue).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        if (type == GgufValueType.ARRAY) return "ARRAY<" + elementType + ">[" + asList().size() + "]";
        return type + " " + plain();
    }
}
