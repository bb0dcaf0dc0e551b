package dev.weightclass.format;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A read-only memory mapping of a whole file. Nothing is copied into the heap: readers take
 * bounds-checked slices. The mapping lives until {@link #close()}.
 */
public final class MappedFile implements AutoCloseable {
    private final Path path;
    private final Arena arena;
    private final MemorySegment segment;

    private MappedFile(Path path, Arena arena, MemorySegment segment) {
        this.path = path;
        this.arena = arena;
        this.segment = segment;
    }

    public static MappedFile open(Path path) throws IOException {
        if (!Files.exists(path)) throw new NoSuchFileException(path.toString());
        if (!Files.isRegularFile(path)) throw new FormatException(path, null, -1, "not a regular file");
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            MemorySegment seg = size == 0 ? MemorySegment.NULL.reinterpret(0)
                    : ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            return new MappedFile(path, arena, seg.asReadOnly());
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    public Path path() { return path; }

    public long length() { return segment.byteSize(); }

    /** The whole file. */
    public MemorySegment segment() { return segment; }

    /** A checked slice; {@code what} names the field or tensor for the error message. */
    public MemorySegment slice(long offset, long length, String what) {
        if (offset < 0 || length < 0 || offset > length() || length > length() - offset) {
            throw new FormatException(path, what, offset,
                    "range of " + length + " bytes runs past the end of the file (" + length() + " bytes)");
        }
        return segment.asSlice(offset, length);
    }

    /** A cursor for sequential little-endian reads from {@code offset}. */
    public ByteReader reader(long offset) {
        return new ByteReader(path, segment, offset);
    }

    @Override
    public void close() {
        arena.close();
    }
}
