package dev.weightclass.size;

import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorRole;
import dev.weightclass.tensor.TensorType;

import java.util.ArrayList;
import java.util.List;

/**
 * ONNX export targets and the bytes of their initializers, weight by weight:
 * <ul>
 *   <li>fp32 / fp16: every floating-point initializer in that type;</li>
 *   <li>int8: ONNX Runtime dynamic quantization, per channel: a MatMul weight becomes int8 plus
 *       one fp32 scale and one int8 zero point per output channel; an embedding table (Gather)
 *       becomes uint8 with one scale and zero point; norms and biases stay fp32;</li>
 *   <li>int4: MatMulNBits, blocks of 32 along the input dimension, symmetric: per output
 *       channel ceil(in/32) blocks of 16 bytes and one fp32 scale per block; the rest stays fp32.</li>
 * </ul>
 * The graph around the initializers (nodes, names, tensor headers) is measured when an ONNX
 * file is given, otherwise estimated.
 */
public enum OnnxTargets {
    FP32("fp32"), FP16("fp16"), INT8("int8"), INT4("int4");

    public static final int INT4_BLOCK = 32;

    private final String label;

    OnnxTargets(String label) { this.label = label; }

    public String label() { return label; }

    /** What an initializer is to the quantizers. */
    public enum Kind { MATMUL, EMBEDDING, OTHER_FLOAT, NOT_FLOAT }

    /** One initializer: its kind, element count, output channels and input length (for MatMul weights). */
    public record Weight(Kind kind, long elements, long out, long in, long bytes) {

        /** A weight of a checkpoint or GGUF file: linear weights are [out, in]. */
        public static Weight ofTorchLayout(TensorInfo t) {
            long n = t.elements();
            if (!floating(t.type())) return new Weight(Kind.NOT_FLOAT, n, 0, 0, t.byteSize());
            if (t.rank() == 2 && isEmbeddingName(t.name())) return new Weight(Kind.EMBEDDING, n, 0, 0, t.byteSize());
            if (t.rank() == 2) return new Weight(Kind.MATMUL, n, t.dim(0), t.dim(1), t.byteSize());
            return new Weight(Kind.OTHER_FLOAT, n, 0, 0, t.byteSize());
        }

        /**
         * An initializer of an ONNX file: MatMul's weight input is [in, out]. A classifier stored as
         * the transposed token embedding counts no parameters but is a MatMul weight all the same,
         * and the quantizer treats it as one.
         */
        static Weight ofOnnx(TensorInfo t) {
            long n = t.elements();
            if (!floating(t.type())) return new Weight(Kind.NOT_FLOAT, n, 0, 0, t.byteSize());
            if (t.rank() == 2 && t.role() == TensorRole.EMBEDDING) return new Weight(Kind.EMBEDDING, n, 0, 0, t.byteSize());
            if (t.rank() == 2 && (t.parameters() > 0 || t.role() == TensorRole.TIED_COPY)) {
                return new Weight(Kind.MATMUL, n, t.dim(1), t.dim(0), t.byteSize());
            }
            return new Weight(Kind.OTHER_FLOAT, n, 0, 0, t.byteSize());
        }
    }

    static boolean floating(TensorType t) {
        return t == TensorType.F32 || t == TensorType.F16 || t == TensorType.BF16 || t == TensorType.F64 || t.isQuantized();
    }

    static boolean isEmbeddingName(String n) {
        return n.startsWith("token_embd") || n.startsWith("position_embd") || n.startsWith("token_types")
                || n.contains("embed") || n.contains("wte") || n.contains("wpe");
    }

    /** Initializer bytes of one weight in this target. */
    public long bytes(Weight w) {
        long n = w.elements();
        return switch (w.kind()) {
            case NOT_FLOAT -> w.bytes();
            case OTHER_FLOAT -> this == FP16 ? 2 * n : 4 * n;
            case EMBEDDING -> switch (this) {
                case FP16 -> 2 * n;
                case INT8 -> n + 4 + 1;
                default -> 4 * n;
            };
            case MATMUL -> switch (this) {
                case FP32 -> 4 * n;
                case FP16 -> 2 * n;
                case INT8 -> n + w.out() * (4 + 1);
                case INT4 -> {
                    long blocks = (w.in() + INT4_BLOCK - 1) / INT4_BLOCK;
                    yield w.out() * blocks * (INT4_BLOCK / 2) + w.out() * blocks * 4;
                }
            };
        };
    }

    /**
     * Graph bytes this target adds beyond an fp32 export's: int8 inserts a quantize node, an
     * integer MatMul and a rescale per weight with their scale and zero-point initializers
     * (about 2.3 kB per weight in ONNX Runtime's output for all-MiniLM-L6-v2), int4 swaps each
     * MatMul for a MatMulNBits node with two initializers, fp16 adds casts at inputs and outputs.
     */
    long extraGraphBytes(List<Weight> ws) {
        long matmuls = ws.stream().filter(w -> w.kind() == Kind.MATMUL).count();
        long embeddings = ws.stream().filter(w -> w.kind() == Kind.EMBEDDING).count();
        return switch (this) {
            case FP32 -> 0;
            case FP16 -> 2_000;
            case INT8 -> 2_300 * matmuls + 250 * embeddings;
            case INT4 -> 400 * matmuls;
        };
    }

    /**
     * Estimated graph bytes of an fp32 export beside its initializers, from all-MiniLM-L6-v2's
     * (122 kB for 6 layers and 102 initializers).
     */
    static long fp32GraphEstimate(int layers, int initializers) {
        return 20_000L + 15_000L * layers + 100L * initializers;
    }

    /** Variants from weights in torch layout (config or GGUF), graph estimated. */
    static List<SizeVariant> estimate(List<TensorInfo> weights, int layers) {
        List<Weight> ws = weights.stream().map(Weight::ofTorchLayout).toList();
        long params = weights.stream().mapToLong(TensorInfo::parameters).sum();
        return variants(ws, params, fp32GraphEstimate(layers, ws.size()), null, -1,
                "initializers counted exactly; graph structure estimated");
    }

    static List<SizeVariant> estimate(ModelSpec spec) {
        return estimate(exported(spec), spec.hyperparameters().layers());
    }

    /** Variants of an fp32 or fp16 ONNX file: its own graph measured, its own target exact. */
    static List<SizeVariant> fromOnnx(List<TensorInfo> initializers, long fileBytes) {
        List<Weight> ws = initializers.stream().map(Weight::ofOnnx).toList();
        long params = initializers.stream().mapToLong(TensorInfo::parameters).sum();
        long data = initializers.stream().mapToLong(TensorInfo::byteSize).sum();
        boolean quantized = initializers.stream().anyMatch(t -> t.role() == TensorRole.QUANT_PARAM || t.type().isQuantized());
        if (quantized) return List.of();
        boolean half = initializers.stream().anyMatch(t -> t.type() == TensorType.F16);
        OnnxTargets own = half ? FP16 : FP32;
        long graph = fileBytes - data - own.extraGraphBytes(ws);
        return variants(ws, params, graph, own, fileBytes, "graph measured on the input file; conversion overhead estimated");
    }

    private static List<SizeVariant> variants(List<Weight> ws, long params, long fp32Graph, OnnxTargets own,
                                              long ownBytes, String note) {
        List<SizeVariant> out = new ArrayList<>();
        for (OnnxTargets t : values()) {
            long init = 0, largest = 0;
            for (Weight w : ws) {
                long b = t.bytes(w);
                init += b;
                largest = Math.max(largest, b);
            }
            boolean exact = t == own;
            long bytes = exact ? ownBytes : init + fp32Graph + t.extraGraphBytes(ws);
            out.add(new SizeVariant(t.label, "onnx", bytes, init, largest, params == 0 ? 0 : 8.0 * init / params, exact,
                    exact ? "the input file itself" : note));
        }
        return out;
    }

    /** The weights an ONNX export of the base network stores: a BERT pooler is not part of it. */
    public static List<TensorInfo> exported(ModelSpec spec) {
        List<TensorInfo> out = new ArrayList<>();
        for (TensorInfo t : spec.weights()) if (!t.name().startsWith("pooler.")) out.add(t);
        return out;
    }
}
