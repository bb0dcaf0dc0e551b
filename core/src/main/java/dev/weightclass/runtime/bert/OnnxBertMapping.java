package dev.weightclass.runtime.bert;

import dev.weightclass.WeightclassException;
import dev.weightclass.format.onnx.OnnxFile;
import dev.weightclass.format.onnx.OnnxGraph;
import dev.weightclass.format.onnx.proto.Onnx;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Finds a BERT encoder's weights in an ONNX graph by its structure, not by tensor names
 * (exporters call weights {@code onnx::MatMul_787}):
 * <ul>
 *   <li>embeddings: the Gather of the {@code input_ids} input (word), of the token-type input (type),
 *       and the remaining Gather of a [rows, H] initializer (position), each optionally followed by
 *       DequantizeLinear;</li>
 *   <li>dense layers: MatMul with an initializer weight, or MatMulInteger fed by DynamicQuantizeLinear
 *       (its weight scale found in the Mul that rescales the product), with the bias Add after it;</li>
 *   <li>each Softmax is one layer's attention: the product before it gives query (first operand) and
 *       key (second), the product after it value; the next three dense layers are the attention
 *       output, the feed-forward up (followed by Erf: exact GELU) and down projections;</li>
 *   <li>LayerNorm: a LayerNormalization node, or the exported ReduceMean/Sub/Pow/Sqrt/Div/Mul/Add
 *       chain (gamma and beta are the 1-D initializers of its Mul and Add).</li>
 * </ul>
 * Anything else is refused with what was expected.
 */
final class OnnxBertMapping {
    private final OnnxFile file;
    private final OnnxGraph g;
    private final Map<String, TensorInfo> inits = new HashMap<>();
    /** Dense layers by node index, and which of them each value comes from. */
    private final Map<Integer, Dense> dense = new HashMap<>();
    private final Map<String, Dense> denseByValue = new HashMap<>();

    /** A dense layer found in the graph: the product node, its float input and final output. */
    private record Dense(int node, String input, String output, Linear linear) {}

    private OnnxBertMapping(OnnxFile file) {
        this.file = file;
        this.g = file.graph();
        for (TensorInfo t : file.tensors()) inits.put(t.name(), t);
    }

    static BertWeights map(OnnxFile file) {
        return new OnnxBertMapping(file).map();
    }

    private WeightclassException notBert(String why) {
        return new WeightclassException(file.path() + ": the ONNX graph is not a BERT encoder this runtime can run: " + why
                + " (supported: BERT/MiniLM exports with MatMul or MatMulInteger layers, Softmax attention, Erf GELU)");
    }

    private BertWeights map() {
        String ids = g.graphInputs.stream().filter(n -> n.toLowerCase(Locale.ROOT).contains("input_ids")).findFirst()
                .orElseThrow(() -> notBert("no input named input_ids (inputs: " + g.graphInputs + ")"));
        Set<String> fused = new HashSet<>();
        for (Onnx.NodeProto n : g.nodes) {
            if (Set.of("Attention", "MultiHeadAttention", "EmbedLayerNormalization", "SkipLayerNormalization", "FastGelu",
                    "BiasGelu", "QAttention").contains(n.getOpType())) fused.add(n.getOpType());
        }
        if (!fused.isEmpty()) throw notBert("graph uses ONNX Runtime fused operators " + fused + "; export it without the transformer optimizer");

        Onnx.NodeProto wordGather = gatherOf(ids).orElseThrow(() -> notBert("no Gather of an embedding table by " + ids));
        EmbeddingTable word = table(wordGather);
        int hidden = word.width();
        EmbeddingTable type = null;
        EmbeddingTable position = null;
        for (int i = 0; i < g.nodes.size(); i++) {
            Onnx.NodeProto n = g.nodes.get(i);
            if (!n.getOpType().equals("Gather") || n == wordGather || n.getInputCount() < 2) continue;
            TensorInfo t = inits.get(n.getInput(0));
            if (t == null || t.shape().length != 2 || t.shape()[1] != hidden) continue;
            boolean byTypeInput = g.graphInputs.contains(n.getInput(1)) && n.getInput(1).toLowerCase(Locale.ROOT).contains("type");
            if (byTypeInput) type = table(n);
            else if (position == null) position = table(n);
        }
        if (position == null) throw notBert("no position embedding table ([positions, " + hidden + "] Gather)");

        for (int i = 0; i < g.nodes.size(); i++) findDense(i);
        List<LayerNorm> norms = new ArrayList<>();
        List<Integer> normAt = new ArrayList<>();
        for (int i = 0; i < g.nodes.size(); i++) {
            LayerNorm ln = layerNorm(i);
            if (ln != null) {
                norms.add(ln);
                normAt.add(i);
            }
        }
        List<Integer> softmax = new ArrayList<>();
        for (int i = 0; i < g.nodes.size(); i++) if (g.nodes.get(i).getOpType().equals("Softmax")) softmax.add(i);
        if (softmax.isEmpty()) throw notBert("no Softmax (attention) node");
        int layers = softmax.size();
        if (norms.size() != 2 * layers + 1) {
            throw notBert("expected " + (2 * layers + 1) + " LayerNorms for " + layers + " attention layers, found " + norms.size());
        }
        if (normAt.get(0) > softmax.get(0)) throw notBert("no LayerNorm after the embeddings");

        Set<Integer> erfs = new HashSet<>();
        for (int i = 0; i < g.nodes.size(); i++) {
            String op = g.nodes.get(i).getOpType();
            if (op.equals("Erf") || op.equals("Gelu")) erfs.add(i);
        }
        List<BertWeights.Layer> out = new ArrayList<>();
        int heads = file.hyperparameters().heads();
        int intermediate = 0;
        Dense[][] qkv = new Dense[layers][];
        Set<Integer> attentionInputs = new HashSet<>();
        for (int l = 0; l < layers; l++) {
            int sm = softmax.get(l), layer = l;
            Onnx.NodeProto scores = productBefore(g.nodes.get(sm).getInput(0), 8)
                    .orElseThrow(() -> notBert("layer " + layer + ": no product of query and key before the Softmax"));
            Onnx.NodeProto context = productAfter(g.nodes.get(sm).getOutput(0))
                    .orElseThrow(() -> notBert("layer " + layer + ": no product of the attention weights with the values"));
            qkv[l] = new Dense[] {denseBefore(scores.getInput(0), 8), denseBefore(scores.getInput(1), 8),
                    denseBefore(context.getInput(1), 8)};
            for (Dense d : qkv[l]) {
                if (d == null) throw notBert("layer " + l + ": query, key or value projection not found");
                attentionInputs.add(d.node());
            }
            if (heads <= 0) heads = headsFromScale(scores);
        }
        for (int l = 0; l < layers; l++) {
            int sm = softmax.get(l);
            int next = l + 1 < layers ? softmax.get(l + 1) : g.nodes.size();
            Dense q = qkv[l][0], k = qkv[l][1], v = qkv[l][2];
            List<Dense> rest = dense.values().stream().filter(d -> d.node() > sm && d.node() < next
                            && !attentionInputs.contains(d.node()))
                    .sorted((a, b) -> Integer.compare(a.node(), b.node())).toList();
            if (rest.size() != 3) throw notBert("layer " + l + ": expected 3 dense layers after the attention, found " + rest.size());
            Dense o = rest.get(0), up = rest.get(1), down = rest.get(2);
            if (erfs.stream().noneMatch(e -> e > up.node() && e < down.node())) {
                throw notBert("layer " + l + ": the feed-forward activation is not exact GELU (no Erf between the two projections)");
            }
            for (Dense d : List.of(q, k, v, o)) {
                if (d.linear().in() != hidden || d.linear().out() != hidden) throw notBert("layer " + l + ": attention projection "
                        + d.linear().in() + "x" + d.linear().out() + ", expected " + hidden + "x" + hidden);
            }
            intermediate = up.linear().out();
            if (up.linear().in() != hidden || down.linear().in() != intermediate || down.linear().out() != hidden) {
                throw notBert("layer " + l + ": feed-forward shapes " + up.linear().in() + "x" + up.linear().out() + ", "
                        + down.linear().in() + "x" + down.linear().out());
            }
            out.add(new BertWeights.Layer(q.linear(), k.linear(), v.linear(), o.linear(), norms.get(1 + 2 * l),
                    up.linear(), down.linear(), norms.get(2 + 2 * l)));
        }
        if (heads <= 0 || hidden % heads != 0) throw notBert("cannot tell the number of attention heads");
        BertConfig config = new BertConfig(word.rows(), hidden, layers, heads, intermediate, position.rows(),
                type == null ? 0 : type.rows(), norms.getFirst().eps());
        String kind = out.getFirst().query().kind();
        return new BertWeights(config, word, position, type, norms.getFirst(), List.copyOf(out), kind);
    }

    /** sqrt(head width) divides (or its inverse multiplies) the scores. */
    private int headsFromScale(Onnx.NodeProto scores) {
        for (OnnxGraph.Use u : g.consumers(scores.getOutput(0))) {
            Onnx.NodeProto n = g.node(u.node());
            double s = scalar(n.getInput(1 - Math.min(1, u.input()))).orElse(0.0);
            if (s <= 0) continue;
            double hd = n.getOpType().equals("Div") ? s * s : n.getOpType().equals("Mul") ? 1 / (s * s) : 0;
            long r = Math.round(hd);
            if (r > 0 && Math.abs(hd - r) < 1e-3) return (int) r;
        }
        return 0;
    }

    // ---- embeddings ------------------------------------------------------------------------

    private Optional<Onnx.NodeProto> gatherOf(String input) {
        for (OnnxGraph.Use u : g.consumers(input)) {
            Onnx.NodeProto n = g.node(u.node());
            if (n.getOpType().equals("Gather") && u.input() == 1 && inits.containsKey(n.getInput(0))) return Optional.of(n);
        }
        return Optional.empty();
    }

    private EmbeddingTable table(Onnx.NodeProto gather) {
        TensorInfo t = inits.get(gather.getInput(0));
        long[] s = t.shape();
        if (s.length != 2) throw notBert("embedding table " + t.name() + " is not 2-D");
        int rows = Math.toIntExact(s[0]), width = Math.toIntExact(s[1]);
        MemorySegment data = file.data(t);
        if (t.type() == TensorType.F32) return EmbeddingTable.f32(t.name(), data, rows, width);
        for (OnnxGraph.Use u : g.consumers(gather.getOutput(0))) {
            Onnx.NodeProto n = g.node(u.node());
            if (!n.getOpType().equals("DequantizeLinear")) continue;
            float scale = (float) (double) scalar(n.getInput(1)).orElseThrow(() -> notBert(t.name() + ": dequantization scale not a scalar"));
            int zp = n.getInputCount() > 2 ? (int) (double) scalar(n.getInput(2)).orElse(0.0) : 0;
            EmbeddingTable.Kind kind = switch (t.type()) {
                case U8 -> EmbeddingTable.Kind.U8;
                case I8 -> EmbeddingTable.Kind.I8;
                default -> throw notBert(t.name() + ": quantized table of type " + t.type());
            };
            return new EmbeddingTable(t.name(), data, rows, width, kind, scale, zp);
        }
        throw notBert("embedding table " + t.name() + " is " + t.type() + " without a DequantizeLinear after its Gather");
    }

    // ---- dense layers ----------------------------------------------------------------------

    private void findDense(int i) {
        Onnx.NodeProto n = g.nodes.get(i);
        String op = n.getOpType();
        if (n.getInputCount() < 2 || !inits.containsKey(n.getInput(1))) return;
        TensorInfo w = inits.get(n.getInput(1));
        if (w.shape().length != 2) return;
        int in = Math.toIntExact(w.shape()[0]), out = Math.toIntExact(w.shape()[1]);
        String input, product;
        Linear linear;
        if (op.equals("MatMul")) {
            if (w.type() != TensorType.F32) throw notBert(w.name() + ": MatMul weight of type " + w.type());
            input = n.getInput(0);
            product = n.getOutput(0);
            linear = null;
            String[] biasOut = bias(product);
            linear = new F32Linear(w.name(), file.data(w), true, in, out, biasOut[0] == null ? null : floats(biasOut[0]));
            register(i, input, biasOut[1], linear, product);
        } else if (op.equals("MatMulInteger")) {
            Onnx.NodeProto q = g.producer(n.getInput(0)).orElse(null);
            if (q == null || !q.getOpType().equals("DynamicQuantizeLinear")) {
                throw notBert(n.getName() + ": MatMulInteger input is not dynamically quantized");
            }
            input = q.getInput(0);
            float[] zp = n.getInputCount() > 3 && !n.getInput(3).isEmpty() ? perColumn(n.getInput(3), out) : new float[out];
            // MatMulInteger -> Cast -> Mul(product, activationScale * weightScale)
            String v = n.getOutput(0);
            Onnx.NodeProto cast = only(v, "Cast");
            Onnx.NodeProto mul = cast == null ? null : only(cast.getOutput(0), "Mul");
            if (mul == null) throw notBert(n.getName() + ": no Cast and Mul rescaling the integer product");
            String scales = mul.getInput(0).equals(cast.getOutput(0)) ? mul.getInput(1) : mul.getInput(0);
            Onnx.NodeProto scaleMul = g.producer(scales).orElse(null);
            String wScale = null;
            if (scaleMul != null && scaleMul.getOpType().equals("Mul")) {
                for (String s : scaleMul.getInputList()) if (inits.containsKey(s)) wScale = s;
            }
            if (wScale == null) throw notBert(n.getName() + ": weight scale not found");
            if (w.type() != TensorType.I8 && w.type() != TensorType.U8) throw notBert(w.name() + ": MatMulInteger weight of type " + w.type());
            product = mul.getOutput(0);
            String[] biasOut = bias(product);
            linear = Int8Linear.of(w.name(), file.data(w), w.type() == TensorType.U8, in, out, perColumn(wScale, out), zp,
                    biasOut[0] == null ? null : floats(biasOut[0]));
            register(i, input, biasOut[1], linear, n.getOutput(0), cast.getOutput(0), product);
        }
    }

    private void register(int node, String input, String output, Linear linear, String... inner) {
        Dense d = new Dense(node, input, output, linear);
        dense.put(node, d);
        denseByValue.put(output, d);
        for (String s : inner) denseByValue.put(s, d);
    }

    /** {bias initializer or null, output value}: the Add of a 1-D initializer right after the product. */
    private String[] bias(String product) {
        List<OnnxGraph.Use> uses = g.consumers(product);
        if (uses.size() == 1) {
            Onnx.NodeProto add = g.node(uses.getFirst().node());
            if (add.getOpType().equals("Add")) {
                String other = add.getInput(1 - uses.getFirst().input());
                TensorInfo b = inits.get(other);
                if (b != null && b.shape().length == 1) return new String[] {other, add.getOutput(0)};
            }
        }
        return new String[] {null, product};
    }

    private Onnx.NodeProto only(String value, String op) {
        List<OnnxGraph.Use> uses = g.consumers(value);
        if (uses.size() != 1) return null;
        Onnx.NodeProto n = g.node(uses.getFirst().node());
        return n.getOpType().equals(op) ? n : null;
    }

    /** Ops that carry a value from a dense layer to attention unchanged in meaning. */
    private static final Set<String> CARRY = Set.of("Reshape", "Transpose", "Add", "Mul", "Div", "Cast", "Identity",
            "Squeeze", "Unsqueeze", "Where", "Sub");

    /** The dense layer whose output reaches {@code value} through reshapes, transposes and scalings. */
    private Dense denseBefore(String value, int depth) {
        Dense d = denseByValue.get(value);
        if (d != null || depth == 0) return d;
        Onnx.NodeProto p = g.producer(value).orElse(null);
        if (p == null || !CARRY.contains(p.getOpType())) return null;
        int inputs = p.getOpType().equals("Reshape") ? 1 : p.getInputCount();
        for (int i = 0; i < inputs; i++) {
            if (inits.containsKey(p.getInput(i))) continue;
            Dense found = denseBefore(p.getInput(i), depth - 1);
            if (found != null) return found;
        }
        return null;
    }

    /** The product of two activations (no initializer operand) that reaches {@code value}. */
    private Optional<Onnx.NodeProto> productBefore(String value, int depth) {
        Onnx.NodeProto p = g.producer(value).orElse(null);
        if (p == null || depth == 0) return Optional.empty();
        if (p.getOpType().equals("MatMul") && !inits.containsKey(p.getInput(1))) return Optional.of(p);
        if (!CARRY.contains(p.getOpType())) return Optional.empty();
        for (String in : p.getInputList()) {
            if (inits.containsKey(in)) continue;
            Optional<Onnx.NodeProto> f = productBefore(in, depth - 1);
            if (f.isPresent()) return f;
        }
        return Optional.empty();
    }

    private Optional<Onnx.NodeProto> productAfter(String value) {
        for (int hop = 0; hop < 3; hop++) {
            List<OnnxGraph.Use> uses = g.consumers(value);
            if (uses.isEmpty()) return Optional.empty();
            Onnx.NodeProto n = g.node(uses.getFirst().node());
            if (n.getOpType().equals("MatMul") && uses.getFirst().input() == 0) return Optional.of(n);
            if (!CARRY.contains(n.getOpType()) && !n.getOpType().equals("Dropout")) return Optional.empty();
            value = n.getOutput(0);
        }
        return Optional.empty();
    }

    // ---- layer norms -----------------------------------------------------------------------

    private LayerNorm layerNorm(int i) {
        Onnx.NodeProto n = g.nodes.get(i);
        if (n.getOpType().equals("LayerNormalization")) {
            float eps = 1e-5f;
            for (Onnx.AttributeProto a : n.getAttributeList()) if (a.getName().equals("epsilon")) eps = a.getF();
            return new LayerNorm(floats(n.getInput(1)), n.getInputCount() > 2 ? floats(n.getInput(2)) : null, eps);
        }
        // ... Div(Sub(x, mean), Sqrt(Add(var, eps))) -> Mul(gamma) -> Add(beta)
        if (!n.getOpType().equals("Mul")) return null;
        int gi = oneDim(n.getInput(0)) ? 0 : oneDim(n.getInput(1)) ? 1 : -1;
        if (gi < 0) return null;
        Onnx.NodeProto div = g.producer(n.getInput(1 - gi)).orElse(null);
        if (div == null || !div.getOpType().equals("Div")) return null;
        Onnx.NodeProto sqrt = g.producer(div.getInput(1)).orElse(null);
        if (sqrt == null || !sqrt.getOpType().equals("Sqrt")) return null;
        Onnx.NodeProto addEps = g.producer(sqrt.getInput(0)).orElse(null);
        if (addEps == null || !addEps.getOpType().equals("Add")) return null;
        double eps = scalar(addEps.getInput(1)).or(() -> scalar(addEps.getInput(0)))
                .orElseThrow(() -> notBert(n.getName() + ": LayerNorm epsilon not a constant"));
        Onnx.NodeProto add = only(n.getOutput(0), "Add");
        float[] beta = null;
        if (add != null) {
            for (String in : add.getInputList()) if (oneDim(in)) beta = floats(in);
        }
        if (beta == null) throw notBert(n.getName() + ": LayerNorm without a bias");
        return new LayerNorm(floats(n.getInput(gi)), beta, (float) eps);
    }

    private boolean oneDim(String name) {
        TensorInfo t = inits.get(name);
        return t != null && t.shape().length == 1 && t.type() == TensorType.F32;
    }

    // ---- small constants ---------------------------------------------------------------------

    private float[] floats(String name) {
        TensorInfo t = inits.get(name);
        if (t == null || t.type() != TensorType.F32) throw notBert(name + ": expected a float32 initializer");
        return file.data(t).toArray(ScalarBertKernels.F32);
    }

    /** A per-column parameter of width {@code n} (or one value for all columns), as floats. */
    private float[] perColumn(String name, int n) {
        TensorInfo t = inits.get(name);
        if (t == null) throw notBert(name + ": expected an initializer");
        MemorySegment s = file.data(t);
        long count = t.elements();
        if (count != 1 && count != n) throw notBert(name + ": " + count + " values for " + n + " columns");
        float[] out = new float[n];
        for (int c = 0; c < n; c++) {
            long at = count == 1 ? 0 : c;
            out[c] = switch (t.type()) {
                case F32 -> s.getAtIndex(ScalarBertKernels.F32, at);
                case I8 -> s.get(ValueLayout.JAVA_BYTE, at);
                case U8 -> s.get(ValueLayout.JAVA_BYTE, at) & 0xFF;
                default -> throw notBert(name + ": type " + t.type());
            };
        }
        return out;
    }

    /** A one-value initializer or Constant. */
    private Optional<Double> scalar(String name) {
        TensorInfo t = inits.get(name);
        if (t != null) {
            if (t.elements() != 1) return Optional.empty();
            return Optional.of((double) perColumn(name, 1)[0]);
        }
        return g.constantValues(name).filter(v -> v.length == 1).map(v -> v[0]);
    }
}
