package dev.weightclass.format.onnx;

import dev.weightclass.format.onnx.proto.Onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The graph's wiring: who produces and who consumes each value, for structure-based inference
 * (parameter roles here, the encoder runtime's weight mapping in {@code runtime.bert}).
 */
public final class OnnxGraph {

    /** An input slot of a node. */
    public record Use(int node, int input) {}

    public final List<Onnx.NodeProto> nodes;
    public final Set<String> graphInputs = new HashSet<>();
    public final Set<String> graphOutputs = new HashSet<>();
    private final Map<String, Integer> producer = new HashMap<>();
    private final Map<String, List<Use>> consumers = new HashMap<>();

    OnnxGraph(Onnx.GraphProto graph, Set<String> initializerNames) {
        this.nodes = graph.getNodeList();
        for (Onnx.ValueInfoProto v : graph.getInputList()) {
            // Older exporters list initializers among the inputs too; those are not real inputs.
            if (!initializerNames.contains(v.getName())) graphInputs.add(v.getName());
        }
        for (Onnx.ValueInfoProto v : graph.getOutputList()) graphOutputs.add(v.getName());
        for (int i = 0; i < nodes.size(); i++) {
            Onnx.NodeProto n = nodes.get(i);
            for (String o : n.getOutputList()) producer.putIfAbsent(o, i);
            for (int k = 0; k < n.getInputCount(); k++) {
                String in = n.getInput(k);
                if (!in.isEmpty()) consumers.computeIfAbsent(in, x -> new ArrayList<>()).add(new Use(i, k));
            }
        }
    }

    public List<Use> consumers(String value) { return consumers.getOrDefault(value, List.of()); }

    public Optional<Onnx.NodeProto> producer(String value) {
        Integer i = producer.get(value);
        return i == null ? Optional.empty() : Optional.of(nodes.get(i));
    }

    public Onnx.NodeProto node(int i) { return nodes.get(i); }

    String op(Use u) { return nodes.get(u.node()).getOpType(); }

    /** The value produced by a Constant node, when it is a small numeric tensor given inline. */
    public Optional<double[]> constantValues(String value) {
        Optional<Onnx.NodeProto> p = producer(value);
        if (p.isEmpty() || !p.get().getOpType().equals("Constant")) return Optional.empty();
        for (Onnx.AttributeProto a : p.get().getAttributeList()) {
            switch (a.getName()) {
                case "value" -> { return values(a.getT()); }
                case "value_float" -> { return Optional.of(new double[] {a.getF()}); }
                case "value_int" -> { return Optional.of(new double[] {a.getI()}); }
                case "value_floats" -> { return Optional.of(a.getFloatsList().stream().mapToDouble(Float::doubleValue).toArray()); }
                case "value_ints" -> { return Optional.of(a.getIntsList().stream().mapToDouble(Long::doubleValue).toArray()); }
                default -> { }
            }
        }
        return Optional.empty();
    }

    /** Values of an inline TensorProto (FLOAT, DOUBLE, INT32, INT64; up to 4096 values). */
    static Optional<double[]> values(Onnx.TensorProto t) {
        int dt = t.getDataType();
        if (t.hasRawData()) {
            ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            int width = switch (dt) {
                case OnnxTypes.FLOAT, OnnxTypes.INT32 -> 4;
                case OnnxTypes.DOUBLE, OnnxTypes.INT64 -> 8;
                default -> 0;
            };
            if (width == 0 || b.remaining() / width > 4096) return Optional.empty();
            double[] v = new double[b.remaining() / width];
            for (int i = 0; i < v.length; i++) {
                v[i] = switch (dt) {
                    case OnnxTypes.FLOAT -> b.getFloat();
                    case OnnxTypes.INT32 -> b.getInt();
                    case OnnxTypes.DOUBLE -> b.getDouble();
                    default -> b.getLong();
                };
            }
            return Optional.of(v);
        }
        return switch (dt) {
            case OnnxTypes.FLOAT -> Optional.of(t.getFloatDataList().stream().mapToDouble(Float::doubleValue).toArray());
            case OnnxTypes.DOUBLE -> Optional.of(t.getDoubleDataList().stream().mapToDouble(Double::doubleValue).toArray());
            case OnnxTypes.INT32 -> Optional.of(t.getInt32DataList().stream().mapToDouble(Integer::doubleValue).toArray());
            case OnnxTypes.INT64 -> Optional.of(t.getInt64DataList().stream().mapToDouble(Long::doubleValue).toArray());
            default -> Optional.empty();
        };
    }

    /** A node name turned into a dotted tensor-style name: "/encoder/layer.0/attention/self/query/MatMul" -> "encoder.layer.0.attention.self.query.MatMul". */
    static String dotted(String nodeName) {
        String s = nodeName.replace('/', '.').replace("::", ".");
        while (s.startsWith(".")) s = s.substring(1);
        return s;
    }
}
