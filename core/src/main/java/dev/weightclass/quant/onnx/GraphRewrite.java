package dev.weightclass.quant.onnx;

import dev.weightclass.format.onnx.proto.Onnx;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Replaces each node that reads a selected weight with its quantized form, in place, so the node
 * list stays in topological order; the original output name is kept, so every later node, graph
 * output and value info still applies.
 * <pre>
 * int8  MatMul(A, W)   ->  DynamicQuantizeLinear(A) -> (A_q uint8, A_scale, A_zp)   once per A
 *                          MatMulInteger(A_q, W_quantized, A_zp, W_zero_point) -> int32
 *                          Cast(to=FLOAT) -> Mul(., Mul(A_scale, W_scale))       -> Y
 * int4  MatMul(A, W)   ->  com.microsoft.MatMulNBits(A, W_Q4, W_scales; K, N, bits=4, block_size=32) -> Y
 * Gemm  as MatMul, then Add(., C) when it has a bias C
 * int8  Gather(E, idx) ->  Gather(E_quantized, idx) -> DequantizeLinear(., E_scale, E_zero_point) -> Y
 * </pre>
 */
final class GraphRewrite {
    static final String MS_DOMAIN = "com.microsoft";
    private static final int FLOAT = 1;

    /** The initializer names a quantized weight becomes. */
    record Names(String quantized, String scale, String zeroPoint) {}

    private final Set<String> used = new HashSet<>();
    private final Map<String, String[]> quantizedActivations = new HashMap<>();
    private final List<Onnx.NodeProto> out = new ArrayList<>();

    GraphRewrite(Onnx.GraphProto graph, List<String> initializers) {
        used.addAll(initializers);
        for (Onnx.ValueInfoProto v : graph.getInputList()) used.add(v.getName());
        for (Onnx.ValueInfoProto v : graph.getOutputList()) used.add(v.getName());
        for (Onnx.ValueInfoProto v : graph.getValueInfoList()) used.add(v.getName());
        for (Onnx.NodeProto n : graph.getNodeList()) {
            used.addAll(n.getInputList());
            used.addAll(n.getOutputList());
            used.add(n.getName());
        }
    }

    /** A name not yet used anywhere in the graph. */
    String fresh(String base) {
        String name = base;
        for (int i = 1; !used.add(name); i++) name = base + "_" + i;
        return name;
    }

    Names names(WeightUses.Selected s, OnnxQuantType type) {
        if (type == OnnxQuantType.INT4) return new Names(fresh(s.name() + "_Q4"), fresh(s.name() + "_scales"), null);
        return new Names(fresh(s.name() + "_quantized"), fresh(s.name() + "_scale"), fresh(s.name() + "_zero_point"));
    }

    /** Rewrites every node; {@code weights} maps a selected initializer to its kind and new names. */
    List<Onnx.NodeProto> rewrite(Onnx.GraphProto graph, Map<String, WeightUses.Selected> selected,
                                 Map<String, Names> names, OnnxQuantType type) {
        for (Onnx.NodeProto node : graph.getNodeList()) {
            String w = weightOf(node, selected);
            if (w == null) {
                out.add(node);
                continue;
            }
            WeightUses.Selected s = selected.get(w);
            Names n = names.get(w);
            if (s.kind() == WeightUses.Kind.EMBEDDING) {
                gather(node, n);
            } else {
                String y = node.getOutput(0);
                boolean bias = s.kind() == WeightUses.Kind.GEMM && node.getInputCount() > 2 && !node.getInput(2).isEmpty();
                String product = bias ? fresh(y + "_matmul") : y;
                if (type == OnnxQuantType.INT4) matMulNBits(node, s, n, product);
                else matMulInteger(node, n, product);
                if (bias) out.add(node("Add", node.getName() + "_bias", List.of(product, node.getInput(2)), List.of(y)).build());
            }
        }
        return out;
    }

    private static String weightOf(Onnx.NodeProto node, Map<String, WeightUses.Selected> selected) {
        String op = node.getOpType();
        if ((op.equals("MatMul") || op.equals("Gemm")) && node.getInputCount() > 1 && selected.containsKey(node.getInput(1))
                && selected.get(node.getInput(1)).kind() != WeightUses.Kind.EMBEDDING) {
            return node.getInput(1);
        }
        if (op.equals("Gather") && node.getInputCount() > 1 && selected.containsKey(node.getInput(0))
                && selected.get(node.getInput(0)).kind() == WeightUses.Kind.EMBEDDING) {
            return node.getInput(0);
        }
        return null;
    }

    private void matMulInteger(Onnx.NodeProto node, Names w, String y) {
        String a = node.getInput(0);
        String[] aq = quantizedActivations.get(a);
        if (aq == null) {
            aq = new String[] {fresh(a + "_quantized"), fresh(a + "_scale"), fresh(a + "_zero_point")};
            quantizedActivations.put(a, aq);
            out.add(node("DynamicQuantizeLinear", a + "_QuantizeLinear", List.of(a), List.of(aq)).build());
        }
        String base = node.getName().isEmpty() ? y : node.getName();
        String scales = fresh(base + "_quant_scales_mul:0");
        String int32 = fresh(y + "_output_quantized");
        String cast = fresh(y + "_output_quantized_cast_output");
        out.add(node("Mul", base + "_quant_scales_mul", List.of(aq[1], w.scale()), List.of(scales)).build());
        out.add(node("MatMulInteger", base + "_quant", List.of(aq[0], w.quantized(), aq[2], w.zeroPoint()), List.of(int32)).build());
        out.add(node("Cast", y + "_output_quantized_cast", List.of(int32), List.of(cast)).addAttribute(intAttr("to", FLOAT)).build());
        out.add(node("Mul", base + "_quant_output_scale_mul", List.of(cast, scales), List.of(y)).build());
    }

    private void matMulNBits(Onnx.NodeProto node, WeightUses.Selected s, Names w, String y) {
        String base = node.getName().isEmpty() ? y : node.getName();
        out.add(node("MatMulNBits", base + "_Q4", List.of(node.getInput(0), w.quantized(), w.scale()), List.of(y))
                .setDomain(MS_DOMAIN)
                .addAttribute(intAttr("K", s.k()))
                .addAttribute(intAttr("N", s.n()))
                .addAttribute(intAttr("bits", 4))
                .addAttribute(intAttr("block_size", Int4Blocks.BLOCK))
                .build());
    }

    private void gather(Onnx.NodeProto node, Names w) {
        String y = node.getOutput(0);
        String q = fresh(y + "_quantized");
        out.add(node.toBuilder().setInput(0, w.quantized()).setOutput(0, q).build());
        out.add(node("DequantizeLinear", y + "_DequantizeLinear", List.of(q, w.scale(), w.zeroPoint()), List.of(y)).build());
    }

    private Onnx.NodeProto.Builder node(String op, String name, List<String> inputs, List<String> outputs) {
        return Onnx.NodeProto.newBuilder().setOpType(op).setName(fresh(name)).addAllInput(inputs).addAllOutput(outputs);
    }

    private static Onnx.AttributeProto intAttr(String name, long v) {
        return Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.INT).setI(v).build();
    }
}
