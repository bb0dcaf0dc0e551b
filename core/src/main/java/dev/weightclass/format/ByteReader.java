package dev.weightclass.format;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Sequential little-endian reads over a mapped file. Every read is checked against the file's
 * length first; a read past the end, or a length that cannot fit in what is left, is a
 * {@link FormatException} naming the field and the byte offset.
 */
public final class ByteReader {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final MemorySegment seg;
    private long pos;

    public ByteReader(Path path, MemorySegment seg, long pos) {
        this.path = path;
        this.seg = seg;
        this.pos = pos;
    }

    public long position() { return pos; }

    public void position(long p) { pos = p; }

    public long remaining() { return seg.byteSize() - pos; }

    public Path path() { return path; }

    /** Fails unless {@code n} more bytes are available. */
    public void require(long n, String field) {
        if (n < 0 || pos < 0 || pos > seg.byteSize() || n > seg.byteSize() - pos) {
            throw error(field, n < 0 ? "negative length " + n
                    : "needs " + n + " bytes but the file ends after " + Math.max(0, seg.byteSize() - pos));
        }
    }

    public FormatException error(String field, String problem) {
        return new FormatException(path, field, pos, problem);
    }

    public byte i8(String field) {
        require(1, field);
        return seg.get(ValueLayout.JAVA_BYTE, pos++);
    }

    public int u8(String field) { return i8(field) & 0xff; }

    public short i16(String field) {
        require(2, field);
        short v = seg.get(SHORT, pos);
        pos += 2;
        return v;
    }

    public int i32(String field) {
        require(4, field);
        int v = seg.get(INT, pos);
        pos += 4;
        return v;
    }

    public long u32(String field) { return Integer.toUnsignedLong(i32(field)); }

    public long i64(String field) {
        require(8, field);
        long v = seg.get(LONG, pos);
        pos += 8;
        return v;
    }

    public float f32(String field) {
        require(4, field);
        float v = seg.get(FLOAT, pos);
        pos += 4;
        return v;
    }

    public double f64(String field) {
        require(8, field);
        double v = seg.get(DOUBLE, pos);
        pos += 8;
        return v;
    }

    public void skip(long n, String field) {
        require(n, field);
        pos += n;
    }

    /** Copies {@code n} bytes (checked against the file first). */
    public byte[] bytes(long n, String field) {
        require(n, field);
        if (n > Integer.MAX_VALUE - 16) throw error(field, "length " + n + " is too large");
        byte[] b = new byte[(int) n];
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, pos, b, 0, (int) n);
        pos += n;
        return b;
    }

    /** Reads {@code n} bytes of strict UTF-8 (invalid sequences are rejected, not replaced). */
    public String utf8(long n, String field) {
        long start = pos;
        byte[] b = bytes(n, field);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw new FormatException(path, field, start, "invalid UTF-8");
        }
    }
}
