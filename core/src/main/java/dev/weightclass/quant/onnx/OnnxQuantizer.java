package dev.weightclass.quant.onnx;

import com.google.protobuf.CodedOutputStream;
import dev.weightclass.WeightclassException;
import dev.weightclass.format.onnx.OnnxFile;
import dev.weightclass.format.onnx.OnnxWriter;
import dev.weightclass.format.onnx.proto.Onnx;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongConsumer;

/**
 * Quantizes the weights of an ONNX model into a new ONNX file that ONNX Runtime runs unchanged:
 * {@link OnnxQuantType#INT8} in the layout of ONNX Runtime's dynamic quantization, or
 * {@link OnnxQuantType#INT4} as com.microsoft MatMulNBits. Which weights qualify is decided by
 * {@link WeightUses}, the node rewrite by {@link GraphRewrite}. Everything else of the model (opset
 * imports, other nodes, inputs, outputs, value infos, metadata, other initializers byte for byte)
 * is kept. Streaming: weights are read from the mapped input and written one at a time; the heap
 * holds the graph structure and at most one weight's scales.
 * <pre>
 * try (OnnxFile in = (OnnxFile) ModelFile.open(Path.of("model.onnx"))) {
 *     OnnxQuantizer.quantize(in, Path.of("model-int8.onnx"), OnnxQuantizer.Options.of(OnnxQuantType.INT8));
 * }
 * </pre>
 */
public final class OnnxQuantizer {
    private OnnxQuantizer() {}

    /**
     * @param reduceRange int8 only: 7-bit weights ([-64, 64]), as ONNX Runtime's {@code reduce_range}, for
     *                    x86 CPUs without VNNI, whose uint8 x int8 kernels can saturate with full-range weights
     */
    public record Options(OnnxQuantType type, boolean reduceRange) {
        public static Options of(OnnxQuantType type) { return new Options(type, false); }
    }

    /** One quantized weight: what reads it, its logical [K, N], its bytes before and after. */
    public record Decision(String name, String kind, long k, long n, long bytesBefore, long bytesAfter) {}

    /**
     * Everything to write: the new model header and graph structure, the initializers in order
     * (streamed when written), what was quantized and what was left as it was, and why.
     */
    public record Plan(OnnxQuantType type, List<Decision> decisions, List<String> kept, Onnx.ModelProto header,
                       Onnx.GraphProto graph, List<OnnxWriter.Initializer> initializers, long inputBytes) {
        /** The exact size of the output file. */
        public long fileBytes() { return OnnxWriter.fileBytes(header, graph, initializers); }

        /** Bytes of tensor data over all initializers of the output. */
        public long initializerBytes() { return initializers.stream().mapToLong(OnnxWriter.Initializer::dataBytes).sum(); }
    }

    /** Plans and writes {@code out} (atomically) on one thread; returns the plan it wrote. */
    public static Plan quantize(OnnxFile in, Path out, Options options) throws IOException {
        return quantize(in, out, options, 1, null);
    }

    /**
     * Plans and writes {@code out} (atomically); returns the plan it wrote. The bytes written do
     * not depend on {@code threads}: chunks of a weight are quantized in parallel and written in order.
     *
     * @param progress receives input bytes done (summing to {@link Plan#inputBytes}), or null
     */
    public static Plan quantize(OnnxFile in, Path out, Options options, int threads, LongConsumer progress)
            throws IOException {
        try (Chunks chunks = new Chunks(threads, progress)) {
            Plan plan = plan(in, options, chunks);
            OnnxWriter.write(out, plan.header(), plan.graph(), plan.initializers());
            return plan;
        }
    }

    /** Decides everything and sizes the output without reading any weight. */
    public static Plan plan(OnnxFile in, Options options) {
        return plan(in, options, Chunks.SERIAL);
    }

    private static Plan plan(OnnxFile in, Options options, Chunks chunks) {
        OnnxQuantType type = options.type();
        Onnx.ModelProto header = in.modelHeader();
        Onnx.GraphProto graph = in.graphStructure();
        check(in, header, graph, type);
        WeightUses.Result uses = WeightUses.select(in, graph, type);
        if (uses.selected().values().stream().noneMatch(s -> s.kind() != WeightUses.Kind.EMBEDDING)) {
            throw new WeightclassException(in.path() + ": no MatMul or Gemm reads a float32 weight initializer, so there is"
                    + " nothing to quantize to " + type.label() + (uses.skipped().isEmpty() ? ""
                    : " (" + uses.skipped().getFirst().name() + ": " + uses.skipped().getFirst().reason() + ")"));
        }
        GraphRewrite rewrite = new GraphRewrite(graph, in.initializerNames());
        Map<String, GraphRewrite.Names> names = new HashMap<>();
        for (WeightUses.Selected s : uses.selected().values()) names.put(s.name(), rewrite.names(s, type));
        List<Onnx.NodeProto> nodes = rewrite.rewrite(graph, uses.selected(), names, type);

        List<OnnxWriter.Initializer> inits = new ArrayList<>();
        List<Decision> decisions = new ArrayList<>();
        int qmax = options.reduceRange() ? Int8Channels.QMAX_REDUCED : Int8Channels.QMAX;
        long inputBytes = 0;
        for (String name : in.initializerNames()) {
            WeightUses.Selected s = uses.selected().get(name);
            if (s == null) {
                OnnxWriter.Initializer copy = OnnxWriter.copyOf(in, name);
                inits.add(counted(copy, chunks));
                inputBytes += copy.dataBytes();
                continue;
            }
            inputBytes += 4L * s.k() * s.n();
            List<OnnxWriter.Initializer> q = switch (s.kind()) {
                case EMBEDDING -> embedding(in, s, names.get(name), chunks);
                case MATMUL, GEMM -> type == OnnxQuantType.INT4 ? int4(in, s, names.get(name), chunks)
                        : int8(in, s, names.get(name), qmax, chunks);
            };
            inits.addAll(q);
            decisions.add(new Decision(name, s.kind().name().toLowerCase(java.util.Locale.ROOT), s.k(), s.n(),
                    4L * s.k() * s.n(), q.stream().mapToLong(OnnxWriter.Initializer::dataBytes).sum()));
        }
        Set<String> gone = uses.selected().keySet();
        Onnx.GraphProto.Builder g = graph.toBuilder().clearNode().addAllNode(nodes).clearValueInfo();
        for (Onnx.ValueInfoProto v : graph.getValueInfoList()) if (!gone.contains(v.getName())) g.addValueInfo(v);
        List<String> kept = uses.skipped().stream().map(s -> s.name() + ": " + s.reason()).toList();
        return new Plan(type, decisions, kept, withOpsets(header, type), g.build(), inits, inputBytes);
    }

    private static void check(OnnxFile in, Onnx.ModelProto header, Onnx.GraphProto graph, OnnxQuantType type) {
        if (in.sparseInitializerCount() > 0) {
            throw new WeightclassException(in.path() + ": has " + in.sparseInitializerCount()
                    + " sparse initializer(s), which quantize cannot carry over");
        }
        long opset = defaultOpset(header);
        if (opset < 0) throw new WeightclassException(in.path() + ": imports no ai.onnx operator set (IR version "
                + header.getIrVersion() + "); quantize needs opset 11 or newer");
        if (type == OnnxQuantType.INT8 && opset < 11) {
            throw new WeightclassException(in.path() + ": operator set ai.onnx " + opset + " is older than 11, which"
                    + " DynamicQuantizeLinear needs; re-export the model with opset 11 or newer");
        }
        for (Onnx.NodeProto n : graph.getNodeList()) {
            if (Set.of("MatMulInteger", "MatMulNBits", "DynamicQuantizeLinear", "QLinearMatMul", "DynamicQuantizeMatMul")
                    .contains(n.getOpType())) {
                throw new WeightclassException(in.path() + ": already quantized (it has a " + n.getOpType()
                        + " node); quantize from the float32 model");
            }
        }
    }

    private static long defaultOpset(Onnx.ModelProto header) {
        for (Onnx.OperatorSetIdProto o : header.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) return o.getVersion();
        }
        return -1;
    }

    /** int4 adds the com.microsoft domain MatMulNBits lives in. */
    private static Onnx.ModelProto withOpsets(Onnx.ModelProto header, OnnxQuantType type) {
        if (type != OnnxQuantType.INT4) return header;
        if (header.getOpsetImportList().stream().anyMatch(o -> o.getDomain().equals(GraphRewrite.MS_DOMAIN))) return header;
        return header.toBuilder().addOpsetImport(Onnx.OperatorSetIdProto.newBuilder()
                .setDomain(GraphRewrite.MS_DOMAIN).setVersion(1)).build();
    }

    // ---- initializers of one quantized weight; data is computed when the writer reaches them ----

    /** A copied initializer that reports its bytes as done once written. */
    private static OnnxWriter.Initializer counted(OnnxWriter.Initializer copy, Chunks chunks) {
        return new OnnxWriter.Initializer() {
            @Override public String name() { return copy.name(); }
            @Override public long protoBytes() { return copy.protoBytes(); }
            @Override public long dataBytes() { return copy.dataBytes(); }
            @Override public void writeTo(CodedOutputStream out) throws IOException {
                copy.writeTo(out);
                chunks.done(copy.dataBytes());
            }
        };
    }

    private static List<OnnxWriter.Initializer> int8(OnnxFile in, WeightUses.Selected s, GraphRewrite.Names n, int qmax,
                                                     Chunks chunks) {
        Once<float[]> scales = new Once<>(() -> Int8Channels.scales(view(in, s), qmax, chunks));
        return List.of(
                OnnxWriter.streamed(header(n.quantized(), INT8, s.k(), s.n()), (long) s.k() * s.n(),
                        out -> Int8Channels.write(view(in, s), scales.get(), qmax, out, chunks)),
                OnnxWriter.streamed(header(n.scale(), FLOAT, s.n()), 4L * s.n(), out -> {
                    floats(scales.get(), out);
                    scales.release();
                }),
                OnnxWriter.streamed(header(n.zeroPoint(), INT8, s.n()), s.n(), out -> out.writeRawBytes(new byte[s.n()])));
    }

    private static List<OnnxWriter.Initializer> int4(OnnxFile in, WeightUses.Selected s, GraphRewrite.Names n,
                                                     Chunks chunks) {
        int blocks = Int4Blocks.blocks(s.k());
        float[][] scales = new float[1][];
        return List.of(
                OnnxWriter.streamed(header(n.quantized(), UINT8, s.n(), blocks, Int4Blocks.BLOB),
                        (long) s.n() * blocks * Int4Blocks.BLOB, out -> scales[0] = Int4Blocks.write(view(in, s), out, chunks)),
                OnnxWriter.streamed(header(n.scale(), FLOAT, (long) s.n() * blocks), 4L * s.n() * blocks, out -> {
                    if (scales[0] == null) throw new IllegalStateException(n.scale() + " written before " + n.quantized());
                    floats(scales[0], out);
                    scales[0] = null;
                }));
    }

    private static List<OnnxWriter.Initializer> embedding(OnnxFile in, WeightUses.Selected s, GraphRewrite.Names n,
                                                          Chunks chunks) {
        Once<Uint8Table.Params> params = new Once<>(() -> Uint8Table.params(in.data(s.name()), chunks));
        return List.of(
                OnnxWriter.streamed(header(n.quantized(), UINT8, s.k(), s.n()), (long) s.k() * s.n(),
                        out -> Uint8Table.write(in.data(s.name()), params.get(), out, chunks)),
                OnnxWriter.streamed(header(n.scale(), FLOAT), 4, out -> out.writeFixed32NoTag(Float.floatToRawIntBits(params.get().scale()))),
                OnnxWriter.streamed(header(n.zeroPoint(), UINT8), 1, out -> out.write((byte) params.get().zeroPoint())));
    }

    private static final int FLOAT = 1, UINT8 = 2, INT8 = 3;

    private static WeightView view(OnnxFile in, WeightUses.Selected s) {
        return new WeightView(in.data(s.name()), s.k(), s.n(), s.outputMajor());
    }

    private static Onnx.TensorProto header(String name, int dataType, long... dims) {
        Onnx.TensorProto.Builder b = Onnx.TensorProto.newBuilder().setName(name).setDataType(dataType);
        for (long d : dims) b.addDims(d);
        return b.build();
    }

    private static void floats(float[] v, CodedOutputStream out) throws IOException {
        for (float f : v) out.writeFixed32NoTag(Float.floatToRawIntBits(f));
    }

    /** A value computed on first use and dropped once no longer needed, so at most one weight's scales live at a time. */
    private static final class Once<T> {
        /** A computation that reads the mapped input. */
        interface Compute<T> {
            T get() throws IOException;
        }

        private final Compute<T> compute;
        private T value;

        Once(Compute<T> compute) { this.compute = compute; }

        T get() throws IOException {
            if (value == null) value = compute.get();
            return value;
        }

        void release() { value = null; }
    }
}
