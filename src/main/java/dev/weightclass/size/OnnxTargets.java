package dev.weightclass.size;

import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorType;

import java.util.ArrayList;
import java.util.List;

/**
 * ONNX export targets and the bytes of their initializers, tensor by tensor:
 * <ul>
 *   <li>fp32 / fp16: every floating-point weight in that type;</li>
 *   <li>int8: ONNX Runtime dynamic quantization, per channel: each MatMul weight [in, out] becomes
 *       int8 plus one fp32 scale and one int8 zero point per output channel; embeddings,
 *       norms and biases stay fp32;</li>
 *   <li>int4: MatMulNBits with blocks of 32 along the input dimension, symmetric: per output row,
 *       ceil(in/32) blocks of 16 bytes plus one fp32 scale per block.</li>
 * </ul>
 */
public enum OnnxTargets {
    FP32("fp32"), FP16("fp16"), INT8("int8"), INT4("int4");

    public static final int INT4_BLOCK = 32;

    private final String label;

    OnnxTargets(String label) { this.label = label; }

    public String label() { return label; }

    /** Weights a MatMul consumes: 2-D, not an embedding table (those feed Gather). */
    public static boolean isMatMulWeight(TensorInfo t) {
        if (t.rank() != 2) return false;
        String n = t.name();
        return !(n.startsWith("token_embd") || n.startsWith("position_embd") || n.startsWith("token_types")
                || n.contains("embed") || n.contains("wte") || n.contains("wpe"));
    }

    /** Initializer bytes of one weight in this target; {@code shape} is [out, in] for linear weights. */
    public long bytes(TensorInfo t) {
        long n = t.elements();
        boolean floating = t.type().isFloatingPoint() || t.type().isQuantized();
        if (!floating) return t.type().bytesFor(n);
        return switch (this) {
            case FP32 -> 4 * n;
            case FP16 -> 2 * n;
            case INT8 -> isMatMulWeight(t) ? n + t.dim(0) * (4 + 1) : 4 * n;
            case INT4 -> {
                if (!isMatMulWeight(t)) yield 4 * n;
                long out = t.dim(0), in = t.dim(1);
                long blocks = (in + INT4_BLOCK - 1) / INT4_BLOCK;
                yield out * blocks * (INT4_BLOCK / 2) + out * blocks * 4;
            }
        };
    }

    public long initializerBytes(List<TensorInfo> weights) {
        long b = 0;
        for (TensorInfo t : weights) b += bytes(t);
        return b;
    }

    public long largestTensorBytes(List<TensorInfo> weights) {
        long m = 0;
        for (TensorInfo t : weights) m = Math.max(m, bytes(t));
        return m;
    }

    /** The weights an ONNX export of the model's base network stores: a BERT pooler is not part of it. */
    static List<TensorInfo> exported(ModelSpec spec) {
        List<TensorInfo> out = new ArrayList<>();
        for (TensorInfo t : spec.weights()) if (!t.name().startsWith("pooler.")) out.add(t);
        return out;
    }

    /**
     * Estimated graph bytes beside the initializers (nodes, names, initializer headers), from
     * ONNX exports measured by this project: about 5 kB per transformer layer, 100 bytes per
     * initializer and 16 kB of fixed structure.
     */
    static long graphOverheadEstimate(int layers, int initializers) {
        return 16_000L + 5_000L * layers + 100L * initializers;
    }

    static List<SizeVariant> estimate(ModelSpec spec) {
        return estimate(exported(spec), spec.hyperparameters().layers());
    }

    /** Targets for an export holding these weights (distinct tensors) of a model with this many layers. */
    static List<SizeVariant> estimate(List<TensorInfo> w, int layers) {
        long params = w.stream().mapToLong(TensorInfo::elements).sum();
        long overhead = graphOverheadEstimate(layers, w.size());
        List<SizeVariant> out = new ArrayList<>();
        for (OnnxTargets t : values()) {
            long init = t.initializerBytes(w);
            out.add(new SizeVariant(t.label, "onnx", init + overhead, init, t.largestTensorBytes(w),
                    params == 0 ? 0 : 8.0 * init / params, false,
                    "initializers exact for this export; graph structure estimated (" + overhead + " bytes)"));
        }
        return out;
    }

    static TensorType elementType(OnnxTargets t) {
        return switch (t) {
            case FP32 -> TensorType.F32;
            case FP16 -> TensorType.F16;
            case INT8 -> TensorType.I8;
            case INT4 -> TensorType.U4;
        };
    }
}
