package dev.weightclass.format.onnx;

import dev.weightclass.format.onnx.proto.Onnx;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorRole;
import dev.weightclass.tensor.TensorRoles;
import dev.weightclass.tensor.TensorType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Gives each initializer its role and layer. Exporters often name weights {@code onnx::MatMul_787},
 * so the tensor name is only the first clue: then the consuming node's name
 * ({@code /encoder/layer.0/attention/self/query/MatMul}) and the graph structure (Gather of the
 * input ids = embedding, 1-D scale applied by Mul = norm) decide. Initializers that are not
 * learned (shape vectors, rotary tables, masks, scalars), scales and zero points of quantized
 * weights, and a transposed copy of a tied embedding are marked so they do not count as parameters.
 */
final class OnnxRoles {
    private OnnxRoles() {}

    /** @param tokenEmbedding name of the token embedding table, or null; @param tiedCopy name of its stored transposed copy, or null */
    record Result(List<TensorInfo> tensors, String tokenEmbedding, String tiedCopy) {}

    /** Quantization operators: which inputs are quantized weights and which are scales / zero points. */
    private record QuantOp(int[] weights, int[] params) {}

    private static final Map<String, QuantOp> QUANT_OPS = Map.of(
            "DequantizeLinear", new QuantOp(new int[] {0}, new int[] {1, 2}),
            "QuantizeLinear", new QuantOp(new int[] {}, new int[] {1, 2}),
            "MatMulInteger", new QuantOp(new int[] {0, 1}, new int[] {2, 3}),
            "ConvInteger", new QuantOp(new int[] {0, 1}, new int[] {2, 3}),
            "QLinearMatMul", new QuantOp(new int[] {0, 3}, new int[] {1, 2, 4, 5, 6, 7}),
            "QLinearConv", new QuantOp(new int[] {0, 3}, new int[] {1, 2, 4, 5, 6, 7}),
            "QGemm", new QuantOp(new int[] {0, 3}, new int[] {1, 2, 4, 5, 7, 8}),
            "MatMulNBits", new QuantOp(new int[] {1}, new int[] {2, 3, 4}),
            "GatherBlockQuantized", new QuantOp(new int[] {0}, new int[] {2, 3}),
            "DynamicQuantizeLinear", new QuantOp(new int[] {}, new int[] {}));

    /** Ops a weight passes through unchanged in meaning on its way to the op that uses it. */
    private static final Set<String> PASS_THROUGH = Set.of("DequantizeLinear", "Transpose", "Cast", "Identity", "Reshape");

    private static final Set<String> ATTENTION_TOKENS = Set.of("q", "k", "v", "o", "qkv", "wq", "wk", "wv", "wo",
            "query", "key", "value", "attn", "attention");
    private static final Set<String> FFN_TOKENS = Set.of("w1", "w2", "w3", "ffn", "mlp", "fc1", "fc2", "up", "down", "gate");
    private static final Set<String> NORM_OPS = Set.of("LayerNormalization", "SimplifiedLayerNormalization",
            "RMSNormalization", "SkipLayerNormalization", "SkipSimplifiedLayerNormalization", "BatchNormalization");
    /** Layer prefixes the shared rules do not know: "l0_q_w" (llama2.c-style exports). */
    private static final Pattern SHORT_LAYER = Pattern.compile("(?:^|[._/])(?:l|layer|block|blk)(\\d+)(?:[._/]|$)");

    static Result assign(List<OnnxTensor> tensors, OnnxGraph g, Function<OnnxTensor, MemorySegment> data) {
        Set<String> names = new HashSet<>();
        for (OnnxTensor t : tensors) names.add(t.name());
        Set<String> quantWeights = new HashSet<>(), quantParams = new HashSet<>();
        for (Onnx.NodeProto n : g.nodes) {
            QuantOp q = QUANT_OPS.get(n.getOpType());
            if (q == null) continue;
            for (int i : q.weights()) if (i < n.getInputCount() && names.contains(n.getInput(i))) quantWeights.add(n.getInput(i));
            for (int i : q.params()) if (i < n.getInputCount() && names.contains(n.getInput(i))) quantParams.add(n.getInput(i));
        }
        quantWeights.removeAll(quantParams);

        String embedding = tokenEmbedding(tensors, g);
        List<TensorInfo> out = new ArrayList<>();
        Map<String, OnnxTensor> byName = new HashMap<>();
        for (OnnxTensor t : tensors) {
            byName.put(t.name(), t);
            String base = baseName(t.name());
            TensorRoles.Classification c = TensorRoles.classify(base);
            TensorRole role = c.role();
            int layer = c.layer() >= 0 ? c.layer() : shortLayer(base);
            if (quantParams.contains(t.name()) || TensorRoles.classify(t.name()).role() == TensorRole.QUANT_PARAM) {
                role = TensorRole.QUANT_PARAM;
                for (Onnx.NodeProto n : users(t.name(), g)) {
                    for (String clue : clues(n)) if (layer < 0) layer = TensorRoles.classify(clue).layer();
                }
            } else if (!quantWeights.contains(t.name()) && isConstant(t, data)) {
                role = TensorRole.CONSTANT;
            } else {
                if (role == TensorRole.OTHER) role = byTokens(base);
                if (role == TensorRole.OTHER || layer < 0) {
                    for (Onnx.NodeProto n : users(t.name(), g)) {
                        for (String clue : clues(n)) {
                            TensorRoles.Classification nc = TensorRoles.classify(clue);
                            if (role == TensorRole.OTHER && nc.role() != TensorRole.QUANT_PARAM) role = nc.role();
                            if (layer < 0) layer = nc.layer() >= 0 ? nc.layer() : shortLayer(clue);
                        }
                    }
                }
                if (t.name().equals(embedding)) role = TensorRole.EMBEDDING;
                if (role == TensorRole.OTHER) role = structural(t, g);
            }
            if (role == TensorRole.CONSTANT) layer = -1;
            out.add(new TensorInfo(t.name(), t.dims(), t.type(), t.fileIndex(), t.offset(), t.byteSize(), role, layer));
        }
        String tied = null;
        if (embedding != null) {
            OnnxTensor e = byName.get(embedding);
            for (int i = 0; i < out.size(); i++) {
                TensorInfo ti = out.get(i);
                OnnxTensor t = byName.get(ti.name());
                if (t != e && ti.role().countsAsParameters() && isTransposedCopy(e, t, data)) {
                    out.set(i, ti.withRole(TensorRole.TIED_COPY, -1));
                    tied = ti.name();
                    break;
                }
            }
        }
        return new Result(out, embedding, tied);
    }

    /** The name without a quantizer's suffix: "x.weight_quantized" -> "x.weight". */
    static String baseName(String name) {
        for (String suffix : new String[] {"_quantized", "_quant", "_int8", "_uint8", "_q4", "_int4"}) {
            if (name.endsWith(suffix)) return name.substring(0, name.length() - suffix.length());
        }
        return name;
    }

    private static int shortLayer(String name) {
        Matcher m = SHORT_LAYER.matcher(name.toLowerCase(Locale.ROOT));
        if (!m.find()) return -1;
        try {
            return Integer.parseInt(m.group(1));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static TensorRole byTokens(String name) {
        List<String> tokens = Arrays.asList(name.toLowerCase(Locale.ROOT).split("[^a-z0-9]+"));
        for (String tok : tokens) {
            if (ATTENTION_TOKENS.contains(tok)) return TensorRole.ATTENTION;
            if (FFN_TOKENS.contains(tok)) return TensorRole.FFN;
        }
        return TensorRole.OTHER;
    }

    /** Nodes that use a tensor, looking through dequantize / transpose / cast steps. */
    static List<Onnx.NodeProto> users(String value, OnnxGraph g) {
        List<Onnx.NodeProto> out = new ArrayList<>();
        for (OnnxGraph.Use u : g.consumers(value)) {
            Onnx.NodeProto n = g.node(u.node());
            if (PASS_THROUGH.contains(n.getOpType()) && n.getOutputCount() > 0) {
                for (OnnxGraph.Use u2 : g.consumers(n.getOutput(0))) out.add(g.node(u2.node()));
            }
            out.add(n);
        }
        return out;
    }

    private static List<String> clues(Onnx.NodeProto n) {
        List<String> c = new ArrayList<>();
        if (!n.getName().isEmpty()) c.add(OnnxGraph.dotted(n.getName()));
        for (String o : n.getOutputList()) c.add(OnnxGraph.dotted(o));
        return c;
    }

    /** Roles from structure alone, for names that say nothing. */
    private static TensorRole structural(OnnxTensor t, OnnxGraph g) {
        for (OnnxGraph.Use u : g.consumers(t.name())) {
            String op = g.op(u);
            if (op.equals("Gather") && u.input() == 0 && t.dims().length == 2) return TensorRole.EMBEDDING;
            if (NORM_OPS.contains(op) && u.input() > 0) return TensorRole.NORM;
            if (op.equals("Mul") && t.dims().length == 1) return TensorRole.NORM;
            if ((op.equals("MatMul") || op.equals("Gemm")) && feedsGraphOutput(g.node(u.node()), g, 3)) return TensorRole.OUTPUT;
        }
        return TensorRole.OTHER;
    }

    private static boolean feedsGraphOutput(Onnx.NodeProto n, OnnxGraph g, int hops) {
        for (String o : n.getOutputList()) {
            if (g.graphOutputs.contains(o)) return true;
            if (hops > 0) {
                for (OnnxGraph.Use u : g.consumers(o)) {
                    String op = g.op(u);
                    if ((op.equals("Add") || op.equals("Reshape") || op.equals("Cast") || op.equals("Identity"))
                            && feedsGraphOutput(g.node(u.node()), g, hops - 1)) return true;
                }
            }
        }
        return false;
    }

    /** The table the input ids index: Gather(data = initializer, indices = a graph input). */
    static String tokenEmbedding(List<OnnxTensor> tensors, OnnxGraph g) {
        Map<String, OnnxTensor> byName = new HashMap<>();
        for (OnnxTensor t : tensors) byName.put(t.name(), t);
        String fallback = null;
        for (Onnx.NodeProto n : g.nodes) {
            if (!n.getOpType().equals("Gather") && !n.getOpType().equals("GatherBlockQuantized")) continue;
            if (n.getInputCount() < 2) continue;
            OnnxTensor t = byName.get(n.getInput(0));
            if (t == null || t.dims().length != 2) continue;
            String idx = n.getInput(1);
            if (g.graphInputs.contains(idx)) {
                if (idx.toLowerCase(Locale.ROOT).contains("input_ids") || fallback == null) {
                    if (idx.toLowerCase(Locale.ROOT).contains("input_ids")) return t.name();
                    fallback = t.name();
                }
            }
        }
        return fallback;
    }

    // ---- constants -------------------------------------------------------------------------

    private static boolean isConstant(OnnxTensor t, Function<OnnxTensor, MemorySegment> data) {
        TensorType ty = t.type();
        boolean smallInt = switch (ty) {
            case I64, I32, I16, U16, U32, U64, BOOL, STRING -> true;
            default -> false;
        };
        if (smallInt || t.elements() <= 1) return true;
        if (ty != TensorType.F32 && ty != TensorType.F16) return false;
        Set<String> tokens = new HashSet<>(Arrays.asList(t.name().toLowerCase(Locale.ROOT).split("[^a-z0-9]+")));
        long[] d = t.dims();
        long row = d.length == 0 ? 1 : d[d.length - 1];
        MemorySegment s;
        if (tokens.contains("cos") || tokens.contains("sin") || tokens.contains("mask") || tokens.contains("causal")
                || tokens.contains("freq") || tokens.contains("freqs")) {
            s = data.apply(t);
        } else {
            return false;
        }
        // Rotary tables start at position 0: cos(0) = 1 and sin(0) = 0 across the first row.
        if (tokens.contains("cos") && d.length >= 2) return allEqual(s, ty, Math.min(row, t.elements()), 1.0);
        if (tokens.contains("sin") && d.length >= 2) return allEqual(s, ty, Math.min(row, t.elements()), 0.0);
        // Inverse frequencies 1/theta^(2i/d) start at exactly 1.
        if ((tokens.contains("freq") || tokens.contains("freqs")) && d.length == 1) return value(s, ty, 0) == 1.0;
        // Masks hold only 0, 1 and large negatives (or -inf): nothing a trained weight looks like.
        long n = Math.min(t.elements(), 1 << 16);
        for (long i = 0; i < n; i++) {
            double v = value(s, ty, i);
            if (!(v == 0 || v == 1 || v <= -1e4)) return false;
        }
        return true;
    }

    private static boolean allEqual(MemorySegment s, TensorType ty, long n, double want) {
        for (long i = 0; i < n; i++) if (value(s, ty, i) != want) return false;
        return true;
    }

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static double value(MemorySegment s, TensorType ty, long i) {
        return ty == TensorType.F16 ? Float.float16ToFloat(s.get(I16, 2 * i)) : s.get(F32, 4 * i);
    }

    // ---- tied copies -----------------------------------------------------------------------

    /**
     * True when {@code w} is {@code e} transposed ([V, D] stored again as [D, V]), bit for bit.
     * Compares up to 64 rows spread over the table, every column: random weights cannot agree by
     * chance, and the check reads a few pages, not the whole table.
     */
    private static boolean isTransposedCopy(OnnxTensor e, OnnxTensor w, Function<OnnxTensor, MemorySegment> data) {
        long[] de = e.dims(), dw = w.dims();
        if (de.length != 2 || dw.length != 2 || de[0] != dw[1] || de[1] != dw[0] || e.type() != w.type()) return false;
        int size = e.type().blockBytes();
        if (e.type().blockSize() != 1 || size == 0) return false;
        MemorySegment a = data.apply(e), b = data.apply(w);
        long rows = de[0], cols = de[1];
        long step = Math.max(1, rows / 64);
        for (long i = 0; i < rows; i += step) {
            for (long j = 0; j < cols; j++) {
                long ia = (i * cols + j) * size, ib = (j * rows + i) * size;
                if (MemorySegment.mismatch(a, ia, ia + size, b, ib, ib + size) != -1) return false;
            }
        }
        return true;
    }
}
