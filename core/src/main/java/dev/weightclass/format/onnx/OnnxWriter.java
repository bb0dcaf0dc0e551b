package dev.weightclass.format.onnx;

import com.google.protobuf.CodedOutputStream;
import dev.weightclass.WeightclassException;
import dev.weightclass.format.AtomicOutput;
import dev.weightclass.format.onnx.proto.Onnx;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.Channels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes an ONNX model field by field so that weights are streamed, never held as one
 * {@code ModelProto}: the model header (everything but the graph) and the graph's structure
 * (nodes, inputs, outputs, value infos) are small protobuf messages serialized whole, then each
 * initializer is written as its own {@code GraphProto.initializer} field. A protobuf length prefix
 * needs the size first, so every {@link Initializer} knows its exact encoded size before any byte
 * is written. Output is inline (no external data), written through {@link AtomicOutput}.
 */
public final class OnnxWriter {
    private OnnxWriter() {}

    /** Protobuf's own 2 GiB message limit, which ONNX Runtime enforces when loading. */
    public static final long MAX_INLINE_BYTES = Integer.MAX_VALUE;

    private static final int TAG_MODEL_GRAPH = OnnxScan.MODEL_GRAPH << 3 | Wire.LEN;
    private static final int TAG_GRAPH_INITIALIZER = OnnxScan.GRAPH_INITIALIZER << 3 | Wire.LEN;
    private static final int TAG_RAW_DATA = 9 << 3 | Wire.LEN;
    private static final int CHUNK = 1 << 20;

    /** One initializer of the output: its name, the exact size of its TensorProto, and how to write it. */
    public interface Initializer {
        String name();

        /** Bytes of the encoded TensorProto (without the field tag and length prefix). */
        long protoBytes();

        /** Bytes of tensor data it holds. */
        long dataBytes();

        void writeTo(CodedOutputStream out) throws IOException;
    }

    /** Writes exactly the promised number of data bytes. */
    @FunctionalInterface
    public interface DataWriter {
        void write(CodedOutputStream out) throws IOException;
    }

    /**
     * An initializer of an opened file, unchanged: its TensorProto bytes are copied as they are,
     * except that external data is brought inline as {@code raw_data}.
     */
    public static Initializer copyOf(OnnxFile file, String name) {
        OnnxTensor t = file.initializer(name);
        MemorySegment main = file.mapped().getFirst().segment();
        Wire w = new Wire(file.path(), main, t.protoOffset(), t.protoOffset() + t.protoLength(), "TensorProto");
        List<long[]> kept = new ArrayList<>();
        long size = 0;
        while (w.more()) {
            long start = w.position();
            int tag = w.tag();
            w.skip(tag);
            int field = Wire.number(tag);
            if (field == 13 || field == 14) continue; // external_data, data_location
            kept.add(new long[] {start, w.position() - start});
            size += w.position() - start;
        }
        boolean external = t.storage() == OnnxTensor.Storage.EXTERNAL;
        long data = t.byteSize();
        long total = size + (external ? fieldBytes(TAG_RAW_DATA, data) : 0);
        return new Initializer() {
            @Override public String name() { return name; }

            @Override public long protoBytes() { return total; }

            @Override public long dataBytes() { return data; }

            @Override
            public void writeTo(CodedOutputStream out) throws IOException {
                for (long[] r : kept) writeSegment(out, main.asSlice(r[0], r[1]));
                if (external) {
                    out.writeUInt32NoTag(TAG_RAW_DATA);
                    out.writeUInt64NoTag(data);
                    writeSegment(out, file.data(name));
                }
            }
        };
    }

    /** A new initializer whose header is {@code header} (name, dims, data_type) and whose raw_data is streamed. */
    public static Initializer streamed(Onnx.TensorProto header, long dataBytes, DataWriter data) {
        byte[] head = header.toByteArray();
        long total = head.length + fieldBytes(TAG_RAW_DATA, dataBytes);
        return new Initializer() {
            @Override public String name() { return header.getName(); }

            @Override public long protoBytes() { return total; }

            @Override public long dataBytes() { return dataBytes; }

            @Override
            public void writeTo(CodedOutputStream out) throws IOException {
                out.writeRawBytes(head);
                out.writeUInt32NoTag(TAG_RAW_DATA);
                out.writeUInt64NoTag(dataBytes);
                long before = out.getTotalBytesWritten();
                data.write(out);
                long wrote = out.getTotalBytesWritten() - before;
                if (wrote != dataBytes) {
                    throw new IllegalStateException(header.getName() + ": wrote " + wrote + " data bytes, promised " + dataBytes);
                }
            }
        };
    }

    /** The exact size of the file {@link #write} produces. */
    public static long fileBytes(Onnx.ModelProto header, Onnx.GraphProto graph, List<Initializer> initializers) {
        return header.getSerializedSize() + fieldBytes(TAG_MODEL_GRAPH, graphBytes(graph, initializers));
    }

    private static long graphBytes(Onnx.GraphProto graph, List<Initializer> initializers) {
        long n = graph.getSerializedSize();
        for (Initializer i : initializers) n += fieldBytes(TAG_GRAPH_INITIALIZER, i.protoBytes());
        return n;
    }

    /**
     * Writes {@code header} (a ModelProto without graph), then the graph: {@code graph} (a
     * GraphProto without initializers) followed by the initializers in order.
     */
    public static void write(Path target, Onnx.ModelProto header, Onnx.GraphProto graph,
                             List<Initializer> initializers) throws IOException {
        if (header.hasGraph() || graph.getInitializerCount() > 0) {
            throw new IllegalArgumentException("header must have no graph and graph no initializers: they are streamed");
        }
        long total = fileBytes(header, graph, initializers);
        if (total > MAX_INLINE_BYTES) {
            throw new WeightclassException(target + ": the output would be " + total + " bytes; ONNX files over 2 GiB"
                    + " need external data, which this writer does not produce");
        }
        long graphBytes = graphBytes(graph, initializers);
        AtomicOutput.write(target, ch -> {
            CodedOutputStream out = CodedOutputStream.newInstance(Channels.newOutputStream(ch), CHUNK);
            header.writeTo(out);
            out.writeUInt32NoTag(TAG_MODEL_GRAPH);
            out.writeUInt64NoTag(graphBytes);
            graph.writeTo(out);
            for (Initializer i : initializers) {
                out.writeUInt32NoTag(TAG_GRAPH_INITIALIZER);
                out.writeUInt64NoTag(i.protoBytes());
                long before = out.getTotalBytesWritten();
                i.writeTo(out);
                long wrote = out.getTotalBytesWritten() - before;
                if (wrote != i.protoBytes()) {
                    throw new IllegalStateException(i.name() + ": wrote " + wrote + " bytes, promised " + i.protoBytes());
                }
            }
            out.flush();
            if (out.getTotalBytesWritten() != total) {
                throw new IllegalStateException("wrote " + out.getTotalBytesWritten() + " bytes, promised " + total);
            }
        });
    }

    /** Bytes of a length-delimited field: tag, length prefix, payload. */
    static long fieldBytes(int tag, long payload) {
        return CodedOutputStream.computeUInt32SizeNoTag(tag) + CodedOutputStream.computeUInt64SizeNoTag(payload) + payload;
    }

    /** Copies mapped bytes in chunks (a mapped slice can exceed what one ByteBuffer holds). */
    public static void writeSegment(CodedOutputStream out, MemorySegment seg) throws IOException {
        for (long off = 0; off < seg.byteSize(); off += CHUNK) {
            out.writeRawBytes(seg.asSlice(off, Math.min(CHUNK, seg.byteSize() - off)).asByteBuffer());
        }
    }
}
