package dev.weightclass.format.gguf;

import dev.weightclass.format.ByteReader;
import dev.weightclass.format.FormatException;
import dev.weightclass.format.MappedFile;
import dev.weightclass.tensor.TensorType;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and validates one GGUF file's header. Every count and length is checked against the bytes
 * left in the file before anything is allocated, so a corrupt or hostile header fails fast with a
 * {@link FormatException} naming the field and its byte offset.
 */
final class GgufParser {
    /** Smallest tensor info: u64 name length, u32 n_dims, u32 type, u64 offset. */
    private static final int MIN_TENSOR_INFO = 24;
    /** Smallest metadata entry: u64 key length, u32 type, a 1-byte value. */
    private static final int MIN_KV = 13;
    /**
     * Metadata arrays are vocabularies, merges and per-layer values: 16M elements is far beyond any
     * real file, and the bound keeps a hostile length in a large file from exhausting the heap.
     */
    static final long MAX_ARRAY = 1 << 24;
    /** Lists start small and grow with what is actually read. */
    private static final int INITIAL_CAPACITY = 1 << 12;

    private final MappedFile file;
    private final Path path;
    private final ByteReader r;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);

    private GgufParser(MappedFile file) {
        this.file = file;
        this.path = file.path();
        this.r = file.reader(0);
    }

    static GgufHeader parse(MappedFile file) {
        return new GgufParser(file).header();
    }

    private GgufHeader header() {
        int magic = r.i32("magic");
        if (magic != GgufFormat.MAGIC) {
            throw new FormatException(path, "magic", 0, "file starts with " + describeMagic(magic)
                    + ", not \"GGUF\": not a GGUF file");
        }
        long versionAt = r.position();
        long version = r.u32("version");
        if (!GgufFormat.isSupportedVersion(version)) {
            throw new FormatException(path, "version", versionAt, "GGUF version " + version
                    + " is not supported (weightclass reads versions 2 and 3)"
                    + (version == 1 ? "; version 1 files predate 64-bit counts, convert them with a current llama.cpp" : ""));
        }
        long tensorCountAt = r.position();
        long tensorCount = r.i64("tensor_count");
        long kvCountAt = r.position();
        long kvCount = r.i64("kv_count");
        long left = r.remaining();
        if (tensorCount < 0 || tensorCount > left / MIN_TENSOR_INFO) {
            throw new FormatException(path, "tensor_count", tensorCountAt, "tensor count " + Long.toUnsignedString(tensorCount)
                    + " cannot fit in the " + left + " bytes left in the file");
        }
        if (kvCount < 0 || kvCount > left / MIN_KV) {
            throw new FormatException(path, "kv_count", kvCountAt, "metadata count " + Long.toUnsignedString(kvCount)
                    + " cannot fit in the " + left + " bytes left in the file");
        }

        Map<String, GgufValue> kv = new LinkedHashMap<>();
        Map<String, Long> kvOffsets = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            long at = r.position();
            String key = key("key of metadata entry #" + i);
            if (kv.containsKey(key)) {
                throw new FormatException(path, "metadata key '" + key + "'", at, "key appears twice");
            }
            String field = "metadata '" + key + "'";
            GgufValueType type = valueType(field + " value type");
            kv.put(key, readValue(type, field, 0));
            kvOffsets.put(key, at);
        }

        int alignment = alignment(kv, kvOffsets);

        List<GgufHeader.Tensor> tensors = new ArrayList<>((int) Math.min(tensorCount, INITIAL_CAPACITY));
        Set<String> names = new HashSet<>();
        for (long i = 0; i < tensorCount; i++) {
            GgufHeader.Tensor t = tensorInfo(i);
            if (!names.add(t.name())) {
                throw new FormatException(path, "tensor '" + t.name() + "'", t.infoOffset(), "tensor name appears twice");
            }
            tensors.add(t);
        }
        long headerEnd = r.position();
        long dataOffset = GgufFormat.pad(headerEnd, alignment);
        checkPlacement(tensors, dataOffset, alignment);
        return new GgufHeader(path, (int) version, Collections.unmodifiableMap(kv), Collections.unmodifiableMap(kvOffsets),
                List.copyOf(tensors), alignment, headerEnd, dataOffset, file.length());
    }

    private static String describeMagic(int magic) {
        byte[] b = ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(magic).array();
        StringBuilder sb = new StringBuilder();
        boolean printable = true;
        for (byte x : b) printable &= x >= 0x20 && x < 0x7f;
        if (printable) return "\"" + new String(b, StandardCharsets.US_ASCII) + "\"";
        for (byte x : b) sb.append(String.format("%02x ", x & 0xff));
        return "bytes " + sb.toString().trim();
    }

    private int alignment(Map<String, GgufValue> kv, Map<String, Long> kvOffsets) {
        GgufValue a = kv.get(GgufFormat.ALIGNMENT_KEY);
        if (a == null) return GgufFormat.DEFAULT_ALIGNMENT;
        long at = kvOffsets.get(GgufFormat.ALIGNMENT_KEY);
        if (a.type() != GgufValueType.UINT32) {
            throw new FormatException(path, GgufFormat.ALIGNMENT_KEY, at, "must be UINT32, is " + a.type());
        }
        long v = a.asLong();
        if (v == 0 || (v & (v - 1)) != 0 || v > (1 << 30)) {
            throw new FormatException(path, GgufFormat.ALIGNMENT_KEY, at, "alignment " + v + " is not a power of two");
        }
        return (int) v;
    }

    private GgufHeader.Tensor tensorInfo(long i) {
        long at = r.position();
        String name = key("name of tensor #" + i);
        String field = "tensor '" + name + "'";
        long dimsAt = r.position();
        long nDims = r.u32(field + " n_dims");
        if (nDims > GgufFormat.MAX_DIMS) {
            throw new FormatException(path, field + " n_dims", dimsAt, nDims + " dimensions; ggml tensors have at most "
                    + GgufFormat.MAX_DIMS);
        }
        long[] ne = new long[(int) nDims];
        long elements = 1;
        for (int d = 0; d < nDims; d++) {
            long neAt = r.position();
            ne[d] = r.i64(field + " ne[" + d + "]");
            if (ne[d] < 0) {
                throw new FormatException(path, field + " ne[" + d + "]", neAt,
                        "dimension " + Long.toUnsignedString(ne[d]) + " is out of range");
            }
            try {
                elements = Math.multiplyExact(elements, ne[d]);
            } catch (ArithmeticException e) {
                throw new FormatException(path, field + " ne", dimsAt, "dimensions " + Arrays.toString(Arrays.copyOf(ne, d + 1))
                        + " multiply to more than 2^63 elements");
            }
        }
        long typeAt = r.position();
        long typeId = r.u32(field + " type");
        TensorType type = TensorType.fromGgmlId(typeId).orElseThrow(() -> new FormatException(path, field + " type", typeAt,
                "unknown ggml type id " + typeId));
        if (nDims > 0 && ne[0] % type.blockSize() != 0) {
            throw new FormatException(path, field + " ne[0]", dimsAt + 4, "row length " + ne[0] + " is not a multiple of "
                    + type + "'s block size " + type.blockSize());
        }
        long bytes;
        try {
            bytes = type.bytesFor(elements);
        } catch (ArithmeticException e) {
            throw new FormatException(path, field, at, elements + " elements of " + type + " exceed 2^63 bytes");
        }
        long offsetAt = r.position();
        long offset = r.i64(field + " offset");
        if (offset < 0) {
            throw new FormatException(path, field + " offset", offsetAt, "offset " + Long.toUnsignedString(offset) + " is out of range");
        }
        return new GgufHeader.Tensor(name, ne, type, offset, bytes, at);
    }

    /** Offsets aligned, every range inside the file, no two tensors sharing bytes. */
    private void checkPlacement(List<GgufHeader.Tensor> tensors, long dataOffset, int alignment) {
        long length = file.length();
        for (GgufHeader.Tensor t : tensors) {
            String field = "tensor '" + t.name() + "' offset";
            if (t.offset() % alignment != 0) {
                throw new FormatException(path, field, offsetField(t), "data offset " + t.offset()
                        + " is not a multiple of the alignment " + alignment);
            }
            if (dataOffset > length || t.offset() > length - dataOffset || t.byteSize() > length - dataOffset - t.offset()) {
                throw new FormatException(path, field, offsetField(t), "data at " + t.offset() + " + " + t.byteSize()
                        + " bytes (data section starts at " + dataOffset + ") runs past the end of the file ("
                        + length + " bytes)");
            }
        }
        List<GgufHeader.Tensor> byOffset = new ArrayList<>(tensors);
        byOffset.sort(Comparator.comparingLong(GgufHeader.Tensor::offset));
        for (int i = 1; i < byOffset.size(); i++) {
            GgufHeader.Tensor a = byOffset.get(i - 1), b = byOffset.get(i);
            if (a.byteSize() > 0 && b.byteSize() > 0 && a.offset() + a.byteSize() > b.offset()) {
                throw new FormatException(path, "tensor '" + b.name() + "' offset", offsetField(b), "data at " + b.offset()
                        + " overlaps tensor '" + a.name() + "' (" + a.offset() + " + " + a.byteSize() + " bytes)");
            }
        }
    }

    /** Byte offset of a tensor info's offset field: it is the last 8 bytes of the info. */
    private long offsetField(GgufHeader.Tensor t) {
        return t.infoOffset() + 8 + GgufValue.utf8(t.name()).length + 4 + 8L * t.ne().length + 4;
    }

    private GgufValueType valueType(String field) {
        long at = r.position();
        long id = r.u32(field);
        return GgufValueType.fromId(id).orElseThrow(() -> new FormatException(path, field, at,
                "unknown value type " + id + " (GGUF defines 0-12)"));
    }

    /** A strict UTF-8 string: keys and tensor names must be valid. */
    private String key(String field) {
        long at = r.position();
        byte[] b = stringBytes(field);
        String s = decode(b);
        if (s == null) throw new FormatException(path, field, at, "invalid UTF-8");
        return s;
    }

    private byte[] stringBytes(String field) {
        long at = r.position();
        long n = r.i64(field + " length");
        if (n < 0 || n > r.remaining()) {
            throw new FormatException(path, field + " length", at, "string length " + Long.toUnsignedString(n)
                    + " is longer than the " + r.remaining() + " bytes left in the file");
        }
        return r.bytes(n, field);
    }

    private String decode(byte[] b) {
        try {
            CharBuffer cb = utf8.reset().decode(ByteBuffer.wrap(b));
            return cb.toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private Object readScalar(GgufValueType type, String field) {
        return switch (type) {
            case UINT8 -> r.u8(field);
            case INT8 -> (int) r.i8(field);
            case UINT16 -> r.i16(field) & 0xffff;
            case INT16 -> (int) r.i16(field);
            case UINT32 -> r.u32(field);
            case INT32 -> r.i32(field);
            case FLOAT32 -> r.f32(field);
            case BOOL -> {
                long at = r.position();
                int b = r.u8(field);
                if (b > 1) throw new FormatException(path, field, at, "BOOL value " + b + " is neither 0 nor 1");
                yield b == 1;
            }
            case STRING -> {
                byte[] b = stringBytes(field);
                String s = decode(b);
                yield s != null ? s : b; // kept raw: some real vocabularies hold byte pieces that are not UTF-8
            }
            case UINT64, INT64 -> r.i64(field);
            case FLOAT64 -> r.f64(field);
            case ARRAY -> throw new IllegalStateException("arrays are read by readValue");
        };
    }

    private GgufValue readValue(GgufValueType type, String field, int depth) {
        if (type != GgufValueType.ARRAY) return new GgufValue(type, readScalar(type, field), null);
        if (depth >= GgufFormat.MAX_ARRAY_DEPTH) {
            throw new FormatException(path, field, r.position(), "arrays nested deeper than " + GgufFormat.MAX_ARRAY_DEPTH);
        }
        GgufValueType et = valueType(field + " array element type");
        long countAt = r.position();
        long count = r.i64(field + " array length");
        long left = r.remaining();
        if (count < 0 || count > left / et.minSize()) {
            throw new FormatException(path, field + " array length", countAt, "array of " + Long.toUnsignedString(count)
                    + " " + et + " values cannot fit in the " + left + " bytes left in the file");
        }
        if (count > MAX_ARRAY) {
            throw new FormatException(path, field + " array length", countAt, "array of " + count
                    + " values is larger than any metadata weightclass accepts (" + MAX_ARRAY + ")");
        }
        List<Object> list = new ArrayList<>((int) Math.min(count, INITIAL_CAPACITY));
        String elementField = field + " element";
        for (long i = 0; i < count; i++) {
            // A nested array's elements carry their own element type and length.
            list.add(et == GgufValueType.ARRAY ? readValue(et, elementField, depth + 1) : readScalar(et, elementField));
        }
        return new GgufValue(GgufValueType.ARRAY, list, et);
    }
}
