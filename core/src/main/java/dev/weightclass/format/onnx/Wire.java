package dev.weightclass.format.onnx;

import dev.weightclass.format.FormatException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A cursor over one protobuf message in a memory-mapped file: reads tags, varints and length
 * prefixes without copying payloads, so weights can be located (offset, length) instead of
 * parsed. Every length is checked against the end of the enclosing message (which was itself
 * checked against the file) before it is used; a problem is a {@link FormatException} naming the
 * file, the field being read and the byte offset.
 */
final class Wire {
    static final int VARINT = 0, FIXED64 = 1, LEN = 2, FIXED32 = 5;

    private final Path path;
    private final MemorySegment seg;
    private final long end;
    private final String message;
    private long pos;
    private long fieldStart;

    /** A cursor over bytes {@code [start, end)} of {@code seg}, which holds message {@code message}. */
    Wire(Path path, MemorySegment seg, long start, long end, String message) {
        if (start < 0 || end < start || end > seg.byteSize()) {
            throw new FormatException(path, message, start, "message range runs past the end of the file");
        }
        this.path = path;
        this.seg = seg;
        this.pos = start;
        this.end = end;
        this.message = message;
    }

    /** A cursor over the payload of the length-delimited field just read with {@link #length}. */
    Wire sub(long start, long length, String subMessage) {
        return new Wire(path, seg, start, start + length, subMessage);
    }

    boolean more() { return pos < end; }

    long position() { return pos; }

    /** End (exclusive) of the message this cursor walks. */
    long end() { return end; }

    /** Offset of the tag of the field being read. */
    long fieldStart() { return fieldStart; }

    Path path() { return path; }

    MemorySegment segment() { return seg; }

    FormatException error(String field, long offset, String problem) {
        return new FormatException(path, message + (field == null ? "" : "." + field), offset, problem);
    }

    /** Reads a field tag; returns {@code fieldNumber << 3 | wireType}. */
    int tag() {
        fieldStart = pos;
        long t = varint("tag");
        int wireType = (int) (t & 7);
        long number = t >>> 3;
        if (number == 0 || number > 536_870_911L) throw error("tag", fieldStart, "invalid field number " + number);
        if (wireType != VARINT && wireType != FIXED64 && wireType != LEN && wireType != FIXED32) {
            throw error("field " + number, fieldStart, "unsupported protobuf wire type " + wireType
                    + (wireType == 3 || wireType == 4 ? " (group)" : ""));
        }
        return (int) t;
    }

    static int number(int tag) { return tag >>> 3; }

    static int type(int tag) { return tag & 7; }

    long varint(String field) {
        long start = pos, v = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            if (pos >= end) throw error(field, start, "varint runs past the end of the message (at byte " + end + ")");
            byte b = seg.get(ValueLayout.JAVA_BYTE, pos++);
            v |= (long) (b & 0x7f) << shift;
            if (b >= 0) return v;
        }
        throw error(field, start, "varint longer than 10 bytes");
    }

    /** A varint that must be a non-negative int64 (dims, offsets, lengths). */
    long nonNegative(String field) {
        long start = pos;
        long v = varint(field);
        if (v < 0) throw error(field, start, "negative value " + v);
        return v;
    }

    /** Reads a length prefix and checks that the payload fits in the message; the cursor stays at the payload. */
    long length(String field) {
        long start = pos;
        long n = varint(field);
        if (n < 0 || n > end - pos) {
            throw error(field, start, "length " + Long.toUnsignedString(n) + " runs past the end of the "
                    + (end == seg.byteSize() ? "file" : "enclosing message") + " (" + (end - pos) + " bytes left)");
        }
        return n;
    }

    void skipBytes(long n, String field) {
        if (n < 0 || n > end - pos) throw error(field, pos, "needs " + n + " bytes, " + (end - pos) + " left");
        pos += n;
    }

    /** Skips the value of a field whose tag was just read. */
    void skip(int tag) {
        String field = "field " + number(tag);
        switch (type(tag)) {
            case VARINT -> varint(field);
            case FIXED64 -> skipBytes(8, field);
            case FIXED32 -> skipBytes(4, field);
            case LEN -> skipBytes(length(field), field);
            default -> throw error(field, fieldStart, "unsupported wire type " + type(tag));
        }
    }

    /** Requires the wire type a field must have. */
    void expect(int tag, int wireType, String field) {
        if (type(tag) != wireType) {
            throw error(field, fieldStart, "wire type " + type(tag) + " where " + wireType + " is required");
        }
    }

    /** Copies a length-delimited payload of at most {@code max} bytes (names, small sub-messages). */
    byte[] bytes(String field, long max) {
        long n = length(field);
        if (n > max) throw error(field, pos, "length " + n + " exceeds the " + max + "-byte limit for this field");
        byte[] b = new byte[(int) n];
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, pos, b, 0, (int) n);
        pos += n;
        return b;
    }

    String string(String field, long max) {
        long start = pos;
        byte[] b = bytes(field, max);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw error(field, start, "invalid UTF-8");
        }
    }

    /** Copies the bytes {@code [from, to)} of the file (a whole field, tag included). */
    byte[] copy(long from, long to) {
        long n = to - from;
        if (n > Integer.MAX_VALUE - 16) throw error(null, from, "metadata field of " + n + " bytes is too large");
        byte[] b = new byte[(int) n];
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, from, b, 0, (int) n);
        return b;
    }

    /** Counts the varints in the packed payload {@code [from, from+length)}, validating each. */
    long countVarints(long from, long length, String field) {
        Wire w = sub(from, length, message);
        long n = 0;
        while (w.more()) {
            w.varint(field);
            n++;
        }
        return n;
    }
}
