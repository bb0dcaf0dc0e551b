package dev.weightclass.format.safetensors;

import dev.weightclass.WeightclassException;
import dev.weightclass.format.AtomicOutput;
import dev.weightclass.format.ModelFile;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorType;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Writes safetensors files the way the reference library lays them out: tensors sorted by
 * descending dtype alignment, then by name (byte order), packed back to back; the compact JSON
 * header ({@code __metadata__} first) padded with spaces to a multiple of 8 so every tensor's data
 * starts 8-aligned. Tensor bytes are pulled one tensor at a time from a {@link TensorData}, so a
 * model never has to be in the heap.
 */
public final class SafetensorsWriter {
    private SafetensorsWriter() {}

    /** Supplies one tensor's bytes, exactly its byte size, little-endian, row-major. */
    @FunctionalInterface
    public interface TensorData {
        void writeTo(FileChannel out) throws IOException;

        /** The bytes of a (mapped) segment, written in chunks. */
        static TensorData of(MemorySegment segment) {
            return out -> {
                long chunk = 64L << 20;
                for (long at = 0; at < segment.byteSize(); at += chunk) {
                    ByteBuffer b = segment.asSlice(at, Math.min(chunk, segment.byteSize() - at)).asByteBuffer();
                    while (b.hasRemaining()) out.write(b);
                }
            };
        }
    }

    /** One tensor to write. */
    public record Tensor(String name, TensorType type, long[] shape, TensorData data) {
        public Tensor {
            shape = shape.clone();
            if (!SafetensorsDtypes.supports(type)) {
                throw new WeightclassException("tensor " + name + ": safetensors cannot store type " + type);
            }
        }

        /** A float32 tensor held in the heap (written little-endian when the file is written). */
        public static Tensor f32(String name, float[] values, long... shape) {
            return f32(name, () -> values, shape);
        }

        /**
         * A float32 tensor whose values are produced only when it is written, so that a writer of
         * many tensors holds one of them in the heap at a time (e.g. copied out of a training engine).
         */
        public static Tensor f32(String name, java.util.function.Supplier<float[]> values, long... shape) {
            return new Tensor(name, TensorType.F32, shape, out -> {
                float[] v = values.get();
                ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(v);
                while (b.hasRemaining()) out.write(b);
            });
        }

        @Override
        public long[] shape() { return shape.clone(); }

        public long byteSize() {
            long n = 1;
            for (long d : shape) n = Math.multiplyExact(n, d);
            long b = type.bytesFor(n);
            if (b < 0) throw new WeightclassException("tensor " + name + ": " + n + " elements of " + type
                    + " are not a whole number of bytes");
            return b;
        }
    }

    /** Every tensor of an opened model with its mapped bytes (any format whose types safetensors has). */
    public static List<Tensor> tensorsOf(ModelFile model) {
        List<Tensor> out = new ArrayList<>();
        for (TensorInfo t : model.tensors()) {
            out.add(new Tensor(t.name(), t.type(), t.shape(), TensorData.of(model.data(t))));
        }
        return out;
    }

    /** Writes one file atomically. */
    public static void write(Path target, List<Tensor> tensors, Map<String, String> metadata) throws IOException {
        List<Tensor> ordered = ordered(tensors);
        byte[] header = header(ordered, metadata);
        AtomicOutput.write(target, ch -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).flip();
            while (len.hasRemaining()) ch.write(len);
            ByteBuffer h = ByteBuffer.wrap(header);
            while (h.hasRemaining()) ch.write(h);
            for (Tensor t : ordered) {
                long before = ch.position();
                t.data().writeTo(ch);
                long written = ch.position() - before;
                if (written != t.byteSize()) {
                    throw new IllegalStateException("tensor " + t.name() + ": source wrote " + written
                            + " bytes, expected " + t.byteSize());
                }
            }
        });
    }

    /**
     * Writes a sharded model into {@code dir}: {@code model-0000i-of-0000n.safetensors} files of at
     * most {@code maxShardBytes} of tensor data each (a larger tensor gets a shard of its own),
     * filled in the given tensor order, plus {@code model.safetensors.index.json}. Returns the
     * index path.
     */
    public static Path writeSharded(Path dir, List<Tensor> tensors, Map<String, String> metadata,
                                    long maxShardBytes) throws IOException {
        if (maxShardBytes <= 0) throw new IllegalArgumentException("maxShardBytes must be positive");
        checkNames(tensors);
        List<List<Tensor>> shards = new ArrayList<>();
        List<Tensor> current = new ArrayList<>();
        long bytes = 0;
        long total = 0;
        for (Tensor t : tensors) {
            long b = t.byteSize();
            if (!current.isEmpty() && bytes + b > maxShardBytes) {
                shards.add(current);
                current = new ArrayList<>();
                bytes = 0;
            }
            current.add(t);
            bytes += b;
            total += b;
        }
        if (!current.isEmpty() || shards.isEmpty()) shards.add(current);
        Map<String, String> weightMap = new TreeMap<>();
        int n = shards.size();
        for (int i = 0; i < n; i++) {
            String name = String.format(Locale.ROOT, "model-%05d-of-%05d.safetensors", i + 1, n);
            write(dir.resolve(name), shards.get(i), metadata);
            for (Tensor t : shards.get(i)) weightMap.put(t.name(), name);
        }
        StringBuilder sb = new StringBuilder("{\n  \"metadata\": {\n    \"total_size\": ").append(total)
                .append("\n  },\n  \"weight_map\": {");
        int k = 0;
        for (Map.Entry<String, String> e : weightMap.entrySet()) {
            sb.append(k++ == 0 ? "\n" : ",\n").append("    ");
            string(sb, e.getKey());
            sb.append(": ");
            string(sb, e.getValue());
        }
        sb.append("\n  }\n}\n");
        Path index = dir.resolve("model.safetensors.index.json");
        byte[] json = sb.toString().getBytes(StandardCharsets.UTF_8);
        AtomicOutput.write(index, ch -> {
            ByteBuffer b = ByteBuffer.wrap(json);
            while (b.hasRemaining()) ch.write(b);
        });
        return index;
    }

    /** Copies an opened model's tensors and safetensors metadata into one new file. */
    public static void copy(ModelFile model, Path target) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        if (model instanceof SafetensorsFile s && !s.headers().isEmpty()) meta.putAll(s.headers().getFirst().metadata());
        if (model.files().stream()
                .anyMatch(f -> f.toAbsolutePath().normalize().equals(target.toAbsolutePath().normalize()))) {
            throw new WeightclassException(target + ": would overwrite the model being read");
        }
        write(target, tensorsOf(model), meta);
    }

    /** The reference order: descending dtype alignment rank, then name by UTF-8 bytes. */
    static List<Tensor> ordered(List<Tensor> tensors) {
        checkNames(tensors);
        List<Tensor> out = new ArrayList<>(tensors);
        out.sort(Comparator.comparingInt((Tensor t) -> -SafetensorsDtypes.rank(t.type()))
                .thenComparing(t -> t.name().getBytes(StandardCharsets.UTF_8), Arrays::compareUnsigned));
        return out;
    }

    private static void checkNames(List<Tensor> tensors) {
        Set<String> seen = new HashSet<>();
        for (Tensor t : tensors) {
            if (t.name().equals("__metadata__")) throw new WeightclassException("a tensor cannot be named __metadata__");
            if (!seen.add(t.name())) throw new WeightclassException("tensor " + t.name() + " is given twice");
        }
    }

    /** The header JSON (already ordered tensors), space-padded to a multiple of 8 bytes. */
    static byte[] header(List<Tensor> ordered, Map<String, String> metadata) {
        StringBuilder sb = new StringBuilder("{");
        boolean first = true;
        if (metadata != null && !metadata.isEmpty()) {
            sb.append("\"__metadata__\":{");
            boolean f = true;
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                if (!f) sb.append(',');
                f = false;
                string(sb, e.getKey());
                sb.append(':');
                string(sb, e.getValue());
            }
            sb.append('}');
            first = false;
        }
        long offset = 0;
        for (Tensor t : ordered) {
            if (!first) sb.append(',');
            first = false;
            string(sb, t.name());
            sb.append(":{\"dtype\":\"").append(t.type().name()).append("\",\"shape\":[");
            long[] shape = t.shape();
            for (int i = 0; i < shape.length; i++) {
                if (i > 0) sb.append(',');
                sb.append(shape[i]);
            }
            long end = Math.addExact(offset, t.byteSize());
            sb.append("],\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
            offset = end;
        }
        sb.append('}');
        byte[] json = sb.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        if (padded > SafetensorsHeader.MAX_HEADER_BYTES) {
            throw new WeightclassException("safetensors header of " + padded + " bytes exceeds the format's limit");
        }
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    /** A JSON string escaped as the reference writer escapes it. */
    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }
}
