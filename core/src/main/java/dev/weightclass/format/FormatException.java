package dev.weightclass.format;

import dev.weightclass.WeightclassException;

import java.nio.file.Path;

/**
 * A model file that is malformed, truncated or unsupported. Says where: the file, the field (or
 * tensor) and the byte offset.
 */
public class FormatException extends WeightclassException {
    private final transient Path file;
    private final String field;
    private final long offset;

    public FormatException(Path file, String field, long offset, String problem) {
        super(format(file, field, offset, problem));
        this.file = file;
        this.field = field;
        this.offset = offset;
    }

    private static String format(Path file, String field, long offset, String problem) {
        StringBuilder sb = new StringBuilder();
        sb.append(file == null ? "<input>" : file.toString());
        if (offset >= 0) sb.append(" at byte ").append(offset);
        if (field != null && !field.isEmpty()) sb.append(" (").append(field).append(')');
        sb.append(": ").append(problem);
        return sb.toString();
    }

    public Path file() { return file; }

    public String field() { return field; }

    /** Byte offset of the problem, or -1 when it has none. */
    public long offset() { return offset; }
}
