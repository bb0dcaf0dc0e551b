package dev.weightclass.format.gguf;

import dev.weightclass.format.AtomicOutput;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes GGUF files laid out as llama.cpp's and gguf-py's writers do: header (magic, version,
 * tensor count, metadata count), metadata in the given order, tensor infos, zero padding to the
 * alignment, then each tensor's data followed by zero padding to the alignment (the last tensor
 * too). Tensor data offsets are the running sum of padded sizes. The same input always gives the
 * same bytes.
 * <p>Tensor data is streamed: {@link TensorData} is asked for one tensor at a time, so a model
 * never has to be in the heap. Output goes through {@link AtomicOutput}.
 */
public final class GgufWriter {
    private GgufWriter() {}

    public static final int DEFAULT_VERSION = 3;

    /** Supplies the bytes of each tensor, in order. */
    @FunctionalInterface
    public interface TensorData {
        /** Writes exactly {@code tensor.byteSize()} bytes of tensor {@code index} into {@code out}. */
        void write(int index, GgufTensorSpec tensor, TensorSink out) throws IOException;
    }

    /** Where a {@link TensorData} puts a tensor's bytes. */
    public interface TensorSink {
        void write(ByteBuffer bytes) throws IOException;

        /** Writes a segment (e.g. a slice of a mapped input file) in chunks. */
        void write(MemorySegment bytes) throws IOException;

        /** Leaves {@code n} zero bytes without writing them (a hole in a sparse file). */
        void skip(long n) throws IOException;
    }

    /** Copies tensors from an opened GGUF model (matched by position in {@link GgufFile#tensorSpecs()}). */
    public static TensorData from(GgufFile model) {
        return (index, tensor, out) -> out.write(model.data(model.tensors().get(index)));
    }

    /** Writes a GGUF file atomically. The alignment is the kv's general.alignment, else 32. */
    public static void write(Path target, int version, Map<String, GgufValue> kv, List<GgufTensorSpec> tensors,
                             TensorData data) throws IOException {
        AtomicOutput.write(target, ch -> write(ch, version, kv, tensors, data));
    }

    /** Writes a version-3 GGUF file atomically. */
    public static void write(Path target, Map<String, GgufValue> kv, List<GgufTensorSpec> tensors,
                             TensorData data) throws IOException {
        write(target, DEFAULT_VERSION, kv, tensors, data);
    }

    /** Writes into a channel positioned at 0 (for callers that manage the output file themselves). */
    public static void write(FileChannel ch, int version, Map<String, GgufValue> kv, List<GgufTensorSpec> tensors,
                             TensorData data) throws IOException {
        int alignment = alignmentOf(kv);
        long[] offsets = dataOffsets(tensors, alignment);
        long headerSize = headerSize(version, kv, tensors, alignment);
        GgufEncoder enc = new GgufEncoder(ch);
        enc.u32(GgufFormat.MAGIC);
        enc.u32(version);
        enc.u64(tensors.size());
        enc.u64(kv.size());
        enc.kv(kv);
        for (int i = 0; i < tensors.size(); i++) enc.tensorInfo(tensors.get(i), offsets[i]);
        enc.zeros(GgufFormat.pad(enc.written(), alignment) - enc.written());
        enc.flush();
        if (enc.written() != headerSize) throw new IllegalStateException("header is " + enc.written() + " bytes, computed " + headerSize);

        long end = headerSize;
        for (int i = 0; i < tensors.size(); i++) {
            GgufTensorSpec t = tensors.get(i);
            long start = headerSize + offsets[i];
            ch.position(start);
            Sink sink = new Sink(ch);
            data.write(i, t, sink);
            if (sink.count != t.byteSize()) {
                throw new IllegalStateException("tensor data for '" + t.name() + "' was " + sink.count
                        + " bytes, expected " + t.byteSize());
            }
            long padded = GgufFormat.pad(t.byteSize(), alignment);
            ByteBuffer zeros = ByteBuffer.allocate((int) (padded - t.byteSize()));
            while (zeros.hasRemaining()) ch.write(zeros);
            end = start + padded;
        }
        // A tensor that ended in a hole: extend the file to its full length.
        if (ch.size() < end) ch.write(ByteBuffer.allocate(1), end - 1);
    }

    /** The alignment the kv asks for (general.alignment, UINT32 power of two), else 32. */
    public static int alignmentOf(Map<String, GgufValue> kv) {
        GgufValue a = kv.get(GgufFormat.ALIGNMENT_KEY);
        if (a == null) return GgufFormat.DEFAULT_ALIGNMENT;
        if (a.type() != GgufValueType.UINT32) throw new IllegalArgumentException("general.alignment must be UINT32");
        long v = a.asLong();
        if (v == 0 || (v & (v - 1)) != 0 || v > (1 << 30)) {
            throw new IllegalArgumentException("general.alignment " + v + " is not a power of two");
        }
        return (int) v;
    }

    /** Data offsets (relative to the data section) as the writer places them: padded sizes summed. */
    public static long[] dataOffsets(List<GgufTensorSpec> tensors, int alignment) {
        checkAlignment(alignment);
        long[] offsets = new long[tensors.size()];
        long pos = 0;
        for (int i = 0; i < tensors.size(); i++) {
            offsets[i] = pos;
            pos = Math.addExact(pos, GgufFormat.pad(tensors.get(i).byteSize(), alignment));
        }
        return offsets;
    }

    /** Bytes before the tensor-data section, padding included. */
    public static long headerSize(int version, Map<String, GgufValue> kv, List<GgufTensorSpec> tensors, int alignment) {
        if (!GgufFormat.isSupportedVersion(version)) throw new IllegalArgumentException("GGUF version " + version + " (2 or 3 only)");
        checkAlignment(alignment);
        if (kv.containsKey(GgufFormat.ALIGNMENT_KEY) && alignmentOf(kv) != alignment) {
            throw new IllegalArgumentException("alignment " + alignment + " differs from general.alignment " + alignmentOf(kv));
        }
        long n = 4 + 4 + 8 + 8;
        for (Map.Entry<String, GgufValue> e : kv.entrySet()) n += GgufModelInfo.entrySize(e.getKey(), e.getValue());
        Set<String> names = new HashSet<>();
        for (GgufTensorSpec t : tensors) {
            if (!names.add(t.name())) throw new IllegalArgumentException("tensor name '" + t.name() + "' appears twice");
            n += 8 + GgufValue.utf8(t.name()).length + 4 + 8L * t.ne().length + 4 + 8;
        }
        return GgufFormat.pad(n, alignment);
    }

    /** Bytes of the whole file: header plus every tensor's data padded to the alignment. */
    public static long fileSize(int version, Map<String, GgufValue> kv, List<GgufTensorSpec> tensors, int alignment) {
        long n = headerSize(version, kv, tensors, alignment);
        for (GgufTensorSpec t : tensors) n = Math.addExact(n, GgufFormat.pad(t.byteSize(), alignment));
        return n;
    }

    private static void checkAlignment(int alignment) {
        if (alignment <= 0 || (alignment & (alignment - 1)) != 0) {
            throw new IllegalArgumentException("alignment " + alignment + " is not a power of two");
        }
    }

    private static final class Sink implements TensorSink {
        private static final long CHUNK = 1 << 26;
        private final FileChannel ch;
        long count;

        Sink(FileChannel ch) { this.ch = ch; }

        @Override
        public void write(ByteBuffer bytes) throws IOException {
            while (bytes.hasRemaining()) count += ch.write(bytes);
        }

        @Override
        public void write(MemorySegment bytes) throws IOException {
            for (long off = 0; off < bytes.byteSize(); off += CHUNK) {
                write(bytes.asSlice(off, Math.min(CHUNK, bytes.byteSize() - off)).asByteBuffer());
            }
        }

        @Override
        public void skip(long n) throws IOException {
            if (n < 0) throw new IllegalArgumentException("negative skip " + n);
            ch.position(ch.position() + n);
            count += n;
        }
    }
}
