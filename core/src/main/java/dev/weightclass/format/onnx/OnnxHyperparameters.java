package dev.weightclass.format.onnx;

import dev.weightclass.format.Hyperparameters;
import dev.weightclass.format.onnx.proto.Onnx;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorRole;
import dev.weightclass.tensor.TensorType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads architecture hyperparameters off an ONNX graph, which has no config: the embedding table
 * gives vocabulary and width, layer indices the depth, FFN matrices the FFN width, the attention
 * score scale 1/sqrt(head_dim) (or the [heads, head_dim] pair of the reshape into heads) the head
 * count, the position table or rotary tables the context. {@code metadata_props} fill what the
 * graph does not show.
 */
final class OnnxHyperparameters {
    private OnnxHyperparameters() {}

    static Hyperparameters infer(List<TensorInfo> ts, OnnxRoles.Result roles, OnnxGraph g,
                                 Map<String, String> props, Function<String, MemorySegment> data) {
        Map<String, TensorInfo> byName = new HashMap<>();
        for (TensorInfo t : ts) byName.put(t.name(), t);
        TensorInfo emb = roles.tokenEmbedding() == null ? null : byName.get(roles.tokenEmbedding());
        if (emb == null) {
            emb = ts.stream().filter(t -> t.role() == TensorRole.EMBEDDING && t.rank() == 2)
                    .max((a, b) -> Long.compare(a.elements(), b.elements())).orElse(null);
        }
        int vocab = emb == null ? 0 : (int) emb.dim(0);
        int width = emb == null ? 0 : (int) emb.dim(1);
        if (width == 0) width = intProp(props, "dim", "hidden_size", "n_embd", "d_model");
        if (vocab == 0) vocab = intProp(props, "vocab_size", "n_vocab");

        int layers = 0;
        for (TensorInfo t : ts) if (t.parameters() > 0 && t.layer() >= 0) layers = Math.max(layers, t.layer() + 1);
        if (layers == 0) layers = (int) g.nodes.stream().filter(n -> n.getOpType().equals("Softmax")).count();
        if (layers == 0) layers = intProp(props, "n_layers", "num_hidden_layers", "n_layer");

        int ffn = 0, firstLayer = Integer.MAX_VALUE;
        for (TensorInfo t : ts) if (t.parameters() > 0 && t.layer() >= 0) firstLayer = Math.min(firstLayer, t.layer());
        int ffnMatricesFirstLayer = 0;
        for (TensorInfo t : ts) {
            if (t.role() != TensorRole.FFN || t.rank() != 2) continue;
            long other = t.dim(0) == width ? t.dim(1) : t.dim(1) == width ? t.dim(0) : 0;
            if (other != width) ffn = (int) Math.max(ffn, other);
            if (t.layer() == firstLayer) ffnMatricesFirstLayer++;
        }

        TensorInfo positions = ts.stream().filter(t -> t.role() == TensorRole.EMBEDDING && t.rank() == 2
                && t.name().toLowerCase(Locale.ROOT).contains("position")).findFirst().orElse(null);
        String all = String.join(" ", byName.keySet()).toLowerCase(Locale.ROOT);
        boolean bert = all.contains("encoder.layer") || all.contains("token_type_embeddings") || all.contains("word_embeddings");
        boolean gated = ffnMatricesFirstLayer >= 3;
        String arch = props.getOrDefault("architecture", props.getOrDefault("model_type", ""))
                .toLowerCase(Locale.ROOT);
        if (arch.isEmpty()) arch = bert ? "bert" : gated && positions == null && emb != null ? "llama" : "unknown";

        int headDim = headDimFromScale(g, width, byName, data);
        if (headDim == 0) headDim = headDimFromReshapes(g, width, byName, data);
        int heads = headDim > 0 ? width / headDim : intProp(props, "n_heads", "num_attention_heads", "n_head");

        int kvHeads = 0;
        if (headDim > 0) {
            for (TensorInfo t : ts) {
                if (t.role() != TensorRole.ATTENTION || t.rank() != 2 || t.layer() != firstLayer || t.dim(0) != width) continue;
                Set<String> tok = tokens(OnnxRoles.baseName(t.name()));
                // Exporters name the weight onnx::MatMul_N; the node says /model/layers.0/self_attn/k_proj/MatMul.
                for (Onnx.NodeProto n : OnnxRoles.users(t.name(), g)) tok.addAll(tokens(n.getName()));
                if (tok.contains("k") || tok.contains("key") || tok.contains("wk") || tok.contains("k_proj")) {
                    kvHeads = (int) (t.dim(1) / headDim);
                    break;
                }
            }
        }
        if (kvHeads == 0) kvHeads = intProp(props, "n_kv_heads", "num_key_value_heads");

        int context = positions != null ? (int) positions.dim(0) : 0;
        if (context == 0) {
            for (TensorInfo t : ts) {
                if (t.role() != TensorRole.CONSTANT || t.rank() != 2 || !t.type().isFloatingPoint()) continue;
                List<String> tok = Arrays.asList(t.name().toLowerCase(Locale.ROOT).split("[^a-z0-9]+"));
                if (tok.contains("cos") || tok.contains("sin") || tok.contains("mask")) {
                    context = (int) t.dim(0);
                    break;
                }
            }
        }
        if (context == 0) context = intProp(props, "max_seq_len", "max_position_embeddings", "n_ctx", "context_length");

        Boolean tied;
        if (roles.tiedCopy() != null) tied = true;
        else if (bert) tied = null;
        else if (hasOutputProjection(ts, vocab)) tied = false;
        else if (emb != null && usedBeyondLookup(emb.name(), g)) tied = true;
        else tied = null;

        return new Hyperparameters(arch, layers, width, heads, kvHeads, headDim, ffn, vocab, context, tied).normalized();
    }

    private static Set<String> tokens(String name) {
        return new HashSet<>(Arrays.asList(name.toLowerCase(Locale.ROOT).split("[^a-z0-9]+")));
    }

    private static boolean hasOutputProjection(List<TensorInfo> ts, int vocab) {
        return ts.stream().anyMatch(t -> t.role() == TensorRole.OUTPUT && t.rank() == 2
                && (t.dim(0) == vocab || t.dim(1) == vocab));
    }

    /** The embedding also feeds a MatMul/Gemm/Transpose: the classifier reuses it (tied). */
    private static boolean usedBeyondLookup(String embedding, OnnxGraph g) {
        return g.consumers(embedding).stream().anyMatch(u -> !g.op(u).equals("Gather"));
    }

    private static int intProp(Map<String, String> props, String... keys) {
        for (String k : keys) {
            String v = props.get(k);
            if (v == null) continue;
            try {
                return Integer.parseInt(v.trim());
            } catch (NumberFormatException e) {
                // not a number: ignore the hint
            }
        }
        return 0;
    }

    /**
     * Attention scores are scaled by 1/sqrt(head_dim) between the Q.K^T MatMul and the Softmax:
     * a Div by sqrt(head_dim) or a Mul by its inverse. Walks back from each Softmax (not past the
     * MatMul) looking for that scalar.
     */
    private static int headDimFromScale(OnnxGraph g, int width, Map<String, TensorInfo> byName,
                                        Function<String, MemorySegment> data) {
        if (width <= 0) return 0;
        for (Onnx.NodeProto sm : g.nodes) {
            if (!sm.getOpType().equals("Softmax") || sm.getInputCount() == 0) continue;
            ArrayDeque<String> queue = new ArrayDeque<>(List.of(sm.getInput(0)));
            Set<String> seen = new HashSet<>();
            for (int steps = 0; !queue.isEmpty() && steps < 16; steps++) {
                Optional<Onnx.NodeProto> p = g.producer(queue.poll());
                if (p.isEmpty() || !seen.add(p.get().getName() + p.get().getOutput(0))) continue;
                Onnx.NodeProto n = p.get();
                String op = n.getOpType();
                if (op.equals("Div") && n.getInputCount() == 2) {
                    double c = scalar(n.getInput(1), g, byName, data);
                    int hd = asHeadDim(c * c, width);
                    if (hd > 0) return hd;
                } else if (op.equals("Mul") && n.getInputCount() == 2) {
                    for (String in : n.getInputList()) {
                        double c = scalar(in, g, byName, data);
                        if (c > 0 && c < 1) {
                            int hd = asHeadDim(1 / (c * c), width);
                            if (hd > 0) return hd;
                        }
                    }
                }
                if (op.equals("MatMul") || op.equals("Softmax")) continue;
                for (String in : n.getInputList()) if (!in.isEmpty()) queue.add(in);
            }
        }
        return 0;
    }

    private static int asHeadDim(double v, int width) {
        long r = Math.round(v);
        if (r < 2 || Math.abs(v - r) > 0.01 * r || width % r != 0 || r > width) return 0;
        return (int) r;
    }

    /** The [.., heads, head_dim] pair most often seen in the shapes the graph reshapes to. */
    private static int headDimFromReshapes(OnnxGraph g, int width, Map<String, TensorInfo> byName,
                                           Function<String, MemorySegment> data) {
        if (width <= 0) return 0;
        Map<Integer, Integer> votes = new HashMap<>();
        for (Onnx.NodeProto n : g.nodes) {
            if (!n.getOpType().equals("Reshape") || n.getInputCount() < 2) continue;
            List<Double> shape = shapeValues(n.getInput(1), g, byName, data);
            for (int i = 0; i + 1 < shape.size(); i++) {
                double a = shape.get(i), b = shape.get(i + 1);
                if (a > 1 && b > 1 && a * b == width) votes.merge((int) b, 1, Integer::sum);
            }
        }
        return votes.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(0);
    }

    private static List<Double> shapeValues(String value, OnnxGraph g, Map<String, TensorInfo> byName,
                                            Function<String, MemorySegment> data) {
        List<Double> out = new ArrayList<>();
        double[] direct = values(value, g, byName, data);
        if (direct != null) {
            for (double d : direct) out.add(d);
            return out;
        }
        Optional<Onnx.NodeProto> p = g.producer(value);
        if (p.isPresent() && p.get().getOpType().equals("Concat")) {
            for (String in : p.get().getInputList()) {
                double[] v = values(in, g, byName, data);
                if (v == null) out.add(-1.0);
                else for (double d : v) out.add(d);
            }
        }
        return out;
    }

    private static double scalar(String value, OnnxGraph g, Map<String, TensorInfo> byName,
                                 Function<String, MemorySegment> data) {
        double[] v = values(value, g, byName, data);
        return v != null && v.length == 1 ? v[0] : Double.NaN;
    }

    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Values of a small constant: an initializer of up to 64 elements, or a Constant node's output. */
    private static double[] values(String value, OnnxGraph g, Map<String, TensorInfo> byName,
                                   Function<String, MemorySegment> data) {
        TensorInfo t = byName.get(value);
        if (t != null) {
            if (t.elements() > 64) return null;
            MemorySegment s = data.apply(t.name());
            double[] v = new double[(int) t.elements()];
            for (int i = 0; i < v.length; i++) {
                TensorType ty = t.type();
                v[i] = switch (ty) {
                    case F32, F16 -> OnnxRoles.value(s, ty, i);
                    case F64 -> s.get(F64, 8L * i);
                    case I64 -> s.get(I64, 8L * i);
                    case I32 -> s.get(I32, 4L * i);
                    default -> Double.NaN;
                };
            }
            return v;
        }
        return g.constantValues(value).orElse(null);
    }
}
