package dev.weightclass.quant.onnx;

import dev.weightclass.format.onnx.OnnxFile;
import dev.weightclass.format.onnx.proto.Onnx;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which initializers can be quantized, from how the graph uses them. A weight qualifies when it
 * is float32, two-dimensional, not also a graph input (which a caller could override), not read
 * inside a subgraph, and every node that reads it does so in a slot the quantized form replaces:
 * <ul>
 *   <li>MatMul input B with a computed (non-constant) input A: stored [K, N];</li>
 *   <li>Gemm input B with transA=0, alpha=1 and beta=1 (or no C): [K, N], or [N, K] with transB=1;</li>
 *   <li>Gather input data on axis 0 (int8 only): an embedding table.</li>
 * </ul>
 * One weight read in two different ways (a table both gathered and multiplied) stays float.
 */
final class WeightUses {
    private WeightUses() {}

    enum Kind { MATMUL, GEMM, EMBEDDING }

    /** A selected weight: how it is read and its logical [K, N] (for EMBEDDING: [rows, cols]). */
    record Selected(String name, Kind kind, boolean outputMajor, int k, int n) {}

    /** Why a float weight read by MatMul/Gemm/Gather stays as it is. */
    record Skipped(String name, String reason) {}

    record Result(Map<String, Selected> selected, List<Skipped> skipped) {}

    static Result select(OnnxFile in, Onnx.GraphProto graph, OnnxQuantType type) {
        Set<String> inits = new HashSet<>(in.initializerNames());
        Set<String> inputs = new HashSet<>();
        for (Onnx.ValueInfoProto v : graph.getInputList()) inputs.add(v.getName());
        Set<String> inSubgraphs = new HashSet<>();
        Map<String, List<String>> uses = new LinkedHashMap<>();
        Map<String, Selected> votes = new HashMap<>();
        Set<String> rejected = new HashSet<>();
        List<Skipped> skipped = new ArrayList<>();
        for (Onnx.NodeProto node : graph.getNodeList()) {
            for (Onnx.AttributeProto a : node.getAttributeList()) {
                if (a.hasG()) collectNames(a.getG(), inSubgraphs);
                for (Onnx.GraphProto g : a.getGraphsList()) collectNames(g, inSubgraphs);
            }
            for (int slot = 0; slot < node.getInputCount(); slot++) {
                String name = node.getInput(slot);
                if (!inits.contains(name)) continue;
                uses.computeIfAbsent(name, x -> new ArrayList<>()).add(node.getOpType());
                String why = null;
                Selected s = null;
                if (!(in.dataType(name) == FLOAT && in.tensor(name).map(t -> t.rank() == 2).orElse(false))) {
                    why = "not a float32 matrix";
                } else {
                    s = use(in, node, slot, name, inits, type);
                    if (s == null) why = "read by " + node.getOpType() + " in a form that has no quantized equivalent here";
                }
                if (s == null) {
                    if (rejected.add(name) && isWeightSlot(node, slot, type)) skipped.add(new Skipped(name, why));
                    continue;
                }
                Selected prev = votes.putIfAbsent(name, s);
                if (prev != null && !prev.equals(s) && rejected.add(name)) {
                    skipped.add(new Skipped(name, "read both as " + prev.kind() + " and as " + s.kind()));
                }
            }
        }
        Map<String, Selected> selected = new LinkedHashMap<>();
        for (String name : in.initializerNames()) {
            Selected s = votes.get(name);
            if (s == null || rejected.contains(name)) continue;
            if (inputs.contains(name)) {
                skipped.add(new Skipped(name, "also a graph input, which a caller may override"));
            } else if (inSubgraphs.contains(name)) {
                skipped.add(new Skipped(name, "read inside a subgraph"));
            } else {
                selected.put(name, s);
            }
        }
        return new Result(selected, skipped);
    }

    static final int FLOAT = 1;

    private static boolean isWeightSlot(Onnx.NodeProto node, int slot, OnnxQuantType type) {
        return switch (node.getOpType()) {
            case "MatMul", "Gemm" -> slot == 1;
            case "Gather" -> slot == 0 && type == OnnxQuantType.INT8;
            default -> false;
        };
    }

    private static Selected use(OnnxFile in, Onnx.NodeProto node, int slot, String name, Set<String> inits, OnnxQuantType type) {
        long[] shape = in.tensor(name).orElseThrow().shape();
        if (shape[0] <= 0 || shape[1] <= 0 || shape[0] > Integer.MAX_VALUE || shape[1] > Integer.MAX_VALUE) return null;
        int rows = (int) shape[0], cols = (int) shape[1];
        boolean computedA = node.getInputCount() > 0 && !inits.contains(node.getInput(0));
        switch (node.getOpType()) {
            case "MatMul" -> {
                if (slot == 1 && computedA && node.getDomain().isEmpty()) return new Selected(name, Kind.MATMUL, false, rows, cols);
            }
            case "Gemm" -> {
                boolean hasC = node.getInputCount() > 2 && !node.getInput(2).isEmpty();
                if (slot == 1 && computedA && node.getDomain().isEmpty() && attr(node, "transA", 0) == 0
                        && attrF(node, "alpha", 1f) == 1f && (!hasC || attrF(node, "beta", 1f) == 1f)) {
                    boolean transB = attr(node, "transB", 0) != 0;
                    return transB ? new Selected(name, Kind.GEMM, true, cols, rows) : new Selected(name, Kind.GEMM, false, rows, cols);
                }
            }
            case "Gather" -> {
                if (slot == 0 && type == OnnxQuantType.INT8 && node.getDomain().isEmpty() && attr(node, "axis", 0) == 0) {
                    return new Selected(name, Kind.EMBEDDING, false, rows, cols);
                }
            }
            default -> { }
        }
        return null;
    }

    static long attr(Onnx.NodeProto n, String name, long dflt) {
        for (Onnx.AttributeProto a : n.getAttributeList()) if (a.getName().equals(name)) return a.getI();
        return dflt;
    }

    static float attrF(Onnx.NodeProto n, String name, float dflt) {
        for (Onnx.AttributeProto a : n.getAttributeList()) if (a.getName().equals(name)) return a.getF();
        return dflt;
    }

    /** Every value name a subgraph reads, recursively (outer-scope initializers included). */
    private static void collectNames(Onnx.GraphProto g, Set<String> out) {
        for (Onnx.NodeProto n : g.getNodeList()) {
            out.addAll(n.getInputList());
            for (Onnx.AttributeProto a : n.getAttributeList()) {
                if (a.hasG()) collectNames(a.getG(), out);
                for (Onnx.GraphProto sub : a.getGraphsList()) collectNames(sub, out);
            }
        }
    }
}
