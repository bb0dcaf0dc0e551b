package dev.weightclass.format.safetensors;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.weightclass.format.FormatException;
import dev.weightclass.format.MappedFile;
import dev.weightclass.tensor.TensorType;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parsed and validated header of one safetensors file: a little-endian u64 length N, N bytes
 * of JSON (tensor name -> dtype, shape, data_offsets; plus an optional {@code __metadata__}
 * string map), then the data buffer the offsets point into.
 *
 * <p>Validation follows the reference library: every tensor's byte range matches its shape and
 * dtype, and the ranges tile the data buffer exactly (from 0, no overlap, no hole, ending at the
 * end of the file). Only the header is read; the data stays mapped.
 *
 * @param file         the file
 * @param headerLength N, the JSON length in bytes
 * @param entries      tensors sorted by data offset
 * @param metadata     the {@code __metadata__} map in header order (empty when absent)
 */
public record SafetensorsHeader(Path file, long headerLength, List<Entry> entries, Map<String, String> metadata) {

    /** The reference library refuses larger headers; so do we, before allocating anything. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    /**
     * One tensor of the header.
     *
     * @param begin        start of its bytes, relative to the data buffer
     * @param end          end (exclusive), relative to the data buffer
     * @param headerOffset absolute file offset of the tensor's name in the header, for errors
     */
    public record Entry(String name, TensorType type, long[] shape, long begin, long end, long headerOffset) {
        public Entry {
            shape = shape.clone();
        }

        @Override
        public long[] shape() { return shape.clone(); }

        public long byteSize() { return end - begin; }
    }

    public SafetensorsHeader {
        entries = List.copyOf(entries);
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /** Absolute file offset of the data buffer. */
    public long dataStart() { return 8 + headerLength; }

    public static SafetensorsHeader read(MappedFile f) {
        Path path = f.path();
        long length = f.length();
        if (length < 8) {
            throw new FormatException(path, "header length", 0,
                    "file has " + length + " bytes, too short for the 8-byte header length of a safetensors file");
        }
        long n = f.segment().get(U64, 0);
        if (n < 0 || n > MAX_HEADER_BYTES) {
            throw new FormatException(path, "header length", 0, "header length " + Long.toUnsignedString(n)
                    + " exceeds the " + MAX_HEADER_BYTES + "-byte limit of the format");
        }
        if (n > length - 8) {
            throw new FormatException(path, "header length", 0, "header length " + n
                    + " runs past the end of the file (" + length + " bytes)");
        }
        if (n == 0 || f.segment().get(ValueLayout.JAVA_BYTE, 8) != '{') {
            throw new FormatException(path, "header", 8, "header JSON does not start with '{'");
        }
        byte[] json = f.reader(8).bytes(n, "header");
        Parsed parsed = parse(path, json);
        List<Entry> entries = new ArrayList<>(parsed.entries);
        validate(path, entries, 8 + n, length - 8 - n);
        return new SafetensorsHeader(path, n, entries, parsed.metadata);
    }

    private record Parsed(List<Entry> entries, Map<String, String> metadata) {}

    private static Parsed parse(Path path, byte[] json) {
        List<Entry> entries = new ArrayList<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        try (JsonParser p = JSON.createParser(json)) {
            expect(path, p, p.nextToken(), JsonToken.START_OBJECT, "header", "a JSON object");
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                long at = offset(p);
                JsonToken v = p.nextToken();
                if (name.equals("__metadata__")) {
                    readMetadata(path, p, v, metadata);
                } else {
                    entries.add(readEntry(path, p, v, name, at));
                }
            }
            expect(path, p, t, JsonToken.END_OBJECT, "header", "end of the header object");
            JsonToken trailing = p.nextToken();
            if (trailing != null) {
                throw new FormatException(path, "header", offset(p), "unexpected content after the header object");
            }
        } catch (JsonProcessingException e) {
            long at = e.getLocation() == null ? -1 : 8 + Math.max(0, e.getLocation().getByteOffset());
            throw new FormatException(path, "header", at, "invalid JSON: " + oneLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new FormatException(path, "header", 8, "unreadable header: " + e.getMessage());
        }
        return new Parsed(entries, metadata);
    }

    private static void readMetadata(Path path, JsonParser p, JsonToken v, Map<String, String> out) throws IOException {
        if (v == JsonToken.VALUE_NULL) return;
        expect(path, p, v, JsonToken.START_OBJECT, "__metadata__", "an object of strings");
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            JsonToken val = p.nextToken();
            if (val != JsonToken.VALUE_STRING) {
                throw new FormatException(path, "__metadata__." + key, offset(p),
                        "metadata values must be strings, found " + describe(val));
            }
            out.put(key, p.getText());
        }
    }

    private static Entry readEntry(Path path, JsonParser p, JsonToken v, String name, long at) throws IOException {
        expect(path, p, v, JsonToken.START_OBJECT, name, "an object with dtype, shape and data_offsets");
        String dtype = null;
        long[] shape = null, offsets = null;
        long dtypeAt = at;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken val = p.nextToken();
            switch (field) {
                case "dtype" -> {
                    dtypeAt = offset(p);
                    if (val != JsonToken.VALUE_STRING) {
                        throw new FormatException(path, name + ".dtype", offset(p), "dtype must be a string, found " + describe(val));
                    }
                    dtype = p.getText();
                }
                case "shape" -> shape = readInts(path, p, val, name + ".shape");
                case "data_offsets" -> offsets = readInts(path, p, val, name + ".data_offsets");
                default -> p.skipChildren(); // the reference reader ignores unknown fields too
            }
        }
        if (dtype == null) throw new FormatException(path, name, at, "tensor has no dtype");
        if (shape == null) throw new FormatException(path, name, at, "tensor has no shape");
        if (offsets == null) throw new FormatException(path, name, at, "tensor has no data_offsets");
        if (offsets.length != 2) {
            throw new FormatException(path, name + ".data_offsets", at,
                    "data_offsets must be [begin, end], found " + offsets.length + " numbers");
        }
        final String dt = dtype;
        final long dtAt = dtypeAt;
        TensorType type = SafetensorsDtypes.fromName(dtype).orElseThrow(() -> new FormatException(path,
                name + ".dtype", dtAt, "unknown dtype \"" + dt + "\" (the format defines "
                + SafetensorsDtypes.ORDER.stream().map(Enum::name).collect(java.util.stream.Collectors.joining(", ")) + ")"));
        return new Entry(name, type, shape, offsets[0], offsets[1], at);
    }

    private static long[] readInts(Path path, JsonParser p, JsonToken v, String field) throws IOException {
        expect(path, p, v, JsonToken.START_ARRAY, field, "an array of non-negative integers");
        long[] out = new long[4];
        int n = 0;
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.VALUE_NUMBER_INT) {
                throw new FormatException(path, field, offset(p), "expected a non-negative integer, found " + describe(t));
            }
            if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER || p.getNumberType() == JsonParser.NumberType.BIG_DECIMAL) {
                throw new FormatException(path, field, offset(p), "number " + p.getText() + " overflows 64 bits");
            }
            long x = p.getLongValue();
            if (x < 0) throw new FormatException(path, field, offset(p), "negative value " + x);
            if (n == out.length) out = Arrays.copyOf(out, n * 2);
            out[n++] = x;
        }
        return Arrays.copyOf(out, n);
    }

    private static void validate(Path path, List<Entry> entries, long dataStart, long bufferLength) {
        for (Entry e : entries) {
            long elements = 1;
            try {
                for (long d : e.shape) elements = Math.multiplyExact(elements, d);
            } catch (ArithmeticException x) {
                throw new FormatException(path, e.name, e.headerOffset,
                        "shape " + Arrays.toString(e.shape) + " overflows 64 bits of elements");
            }
            long bytes;
            try {
                bytes = e.type.bytesFor(elements);
            } catch (ArithmeticException x) {
                throw new FormatException(path, e.name, e.headerOffset,
                        "shape " + Arrays.toString(e.shape) + " of " + e.type + " overflows 64 bits of bytes");
            }
            if (bytes < 0) {
                throw new FormatException(path, e.name, e.headerOffset, elements + " elements of " + e.type
                        + " do not fill a whole number of bytes (" + e.type.blockSize() + " elements per "
                        + e.type.blockBytes() + " bytes)");
            }
            if (e.end < e.begin) {
                throw new FormatException(path, e.name, e.headerOffset,
                        "data_offsets [" + e.begin + ", " + e.end + "] end before they begin");
            }
            if (e.end > bufferLength) {
                throw new FormatException(path, e.name, e.headerOffset, "data_offsets [" + e.begin + ", " + e.end
                        + "] run past the end of the data buffer (" + bufferLength + " bytes)");
            }
            if (e.end - e.begin != bytes) {
                throw new FormatException(path, e.name, e.headerOffset, "data_offsets [" + e.begin + ", " + e.end
                        + "] hold " + (e.end - e.begin) + " bytes but shape " + Arrays.toString(e.shape) + " of "
                        + e.type + " needs " + bytes);
            }
        }
        entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        Entry previous = null;
        for (Entry e : entries) {
            if (e.begin < expected) {
                throw new FormatException(path, e.name, e.headerOffset, "data_offsets [" + e.begin + ", " + e.end
                        + "] overlap tensor " + previous.name + " [" + previous.begin + ", " + previous.end + "]");
            }
            if (e.begin > expected) {
                throw new FormatException(path, e.name, e.headerOffset, "data buffer bytes [" + expected + ", "
                        + e.begin + ") before this tensor belong to no tensor (the format allows no holes)");
            }
            expected = e.end;
            previous = e;
        }
        if (expected != bufferLength) {
            throw new FormatException(path, "data buffer", dataStart + expected, "the tensors cover "
                    + expected + " bytes of the data buffer but it has " + bufferLength
                    + " (the format requires the last tensor to end at the end of the file)");
        }
    }

    private static void expect(Path path, JsonParser p, JsonToken actual, JsonToken wanted, String field, String what) {
        if (actual != wanted) {
            throw new FormatException(path, field, offset(p), "expected " + what + ", found " + describe(actual));
        }
    }

    private static long offset(JsonParser p) {
        long b = p.currentTokenLocation().getByteOffset();
        return b < 0 ? -1 : 8 + b;
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s+", " ").strip();
    }

    private static String describe(JsonToken t) {
        if (t == null) return "end of input";
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT -> "an integer";
            case VALUE_NUMBER_FLOAT -> "a fractional number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.asString() == null ? t.name() : t.asString();
        };
    }
}
