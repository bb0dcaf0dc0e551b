package dev.weightclass.fit;

import dev.weightclass.format.Hyperparameters;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorRole;

/**
 * Roofline speed estimates (see docs/MEMORY.md, "Speed"):
 * <pre>
 * decode:  every generated token reads all weights it multiplies (not the token embedding, which
 *          is only gathered, unless it is tied to the output) and the KV cache filled so far:
 *          t = max(bytes / (bandwidth x e_bw), 2 x matmul params / (peak FLOPS x e_c))
 * prefill: 2 x matmul params + 4 x n_layer x n_head x head_dim x position FLOPs per token,
 *          t = max(flops / (peak FLOPS x e_c), weight bytes / (bandwidth x e_bw) / n_ubatch)
 * </pre>
 * The efficiencies e are per runtime, calibrated on llama-bench (docs/MEMORY.md).
 */
public final class SpeedModel {
    private SpeedModel() {}

    /**
     * Fractions of the peak a runtime reaches.
     *
     * @param bandwidth share of the memory bandwidth decode streams weights at
     * @param compute   share of the peak FLOPS prompt processing reaches
     */
    public record Efficiency(double bandwidth, double compute) {}

    /** Calibrated on llama-bench tg128/pp512 with 2 threads (docs/MEMORY.md). */
    public static final Efficiency LLAMA_CPP_CPU = new Efficiency(0.55, 0.70);
    /** WebLLM reaches roughly half of native decode speed and a small share of shader peak on prefill. */
    public static final Efficiency WEBGPU = new Efficiency(0.45, 0.25);
    /** ONNX InferenceRuntime CPU: MLAS GEMMs, no fused quantized decode kernels for most types. */
    public static final Efficiency ONNXRUNTIME_CPU = new Efficiency(0.45, 0.50);

    public static Efficiency efficiency(InferenceRuntime r) {
        return switch (r) {
            case LLAMA_CPP -> LLAMA_CPP_CPU;
            case WEBGPU -> WEBGPU;
            case ONNXRUNTIME -> ONNXRUNTIME_CPU;
        };
    }

    /**
     * @param kv       the KV cache the runtime holds (its bytes per cell are read per token)
     * @param position tokens already in the cache on average while decoding
     * @param ubatch   prompt tokens processed per pass
     */
    public static SpeedEstimate estimate(ModelVariant v, Device d, InferenceRuntime r, KvCacheSize kv, long position,
                                         long ubatch) {
        Efficiency e = efficiency(r);
        boolean gpu = r == InferenceRuntime.WEBGPU;
        double bandwidth = (gpu ? d.gpuBandwidth() : d.memoryBandwidth()) * 1e9;
        double flops = gpu ? d.gpuFp16Tflops() * 1e12 : d.cpuGflops() * 1e9;

        Hyperparameters hp = v.hyperparameters();
        long streamed = streamedWeightBytes(v);
        long kvPerToken = kv.cells() == 0 ? 0 : kv.bytes() / kv.cells();
        long bytesPerToken = streamed + kvPerToken * Math.min(position, kv.cells());
        double matmul = matmulParameters(v);
        double attention = 4.0 * hp.layers() * hp.heads() * hp.headDim();

        double decodeFlops = 2 * matmul + attention * position;
        double decodeTime = Math.max(bytesPerToken / (bandwidth * e.bandwidth()),
                flops > 0 ? decodeFlops / (flops * e.compute()) : 0);
        double decode = bandwidth > 0 ? 1 / decodeTime : Double.NaN;

        double prefillFlops = 2 * (matmul - outputParameters(v)) + attention * ubatch / 2.0;
        double prefillTime = Math.max(prefillFlops / (flops * e.compute()),
                bandwidth > 0 ? streamed / (bandwidth * e.bandwidth()) / ubatch : 0);
        double prefill = flops > 0 ? 1 / prefillTime : Double.NaN;
        return new SpeedEstimate(decode, prefill, bytesPerToken, prefillFlops);
    }

    /** Weight bytes a decoded token reads: all but a gathered (untied) token embedding. */
    static long streamedWeightBytes(ModelVariant v) {
        boolean tied = v.tiedOutput();
        long s = 0;
        for (TensorInfo t : v.tensors()) {
            if (t.role() == TensorRole.EMBEDDING && !(tied && t.rank() == 2 && isTokenEmbedding(t))) continue;
            s += t.byteSize();
        }
        return s;
    }

    /** Parameters of the matrices every token multiplies (the output projection included). */
    static double matmulParameters(ModelVariant v) {
        boolean tied = v.tiedOutput();
        double s = 0;
        for (TensorInfo t : v.tensors()) {
            if (t.rank() < 2 || t.role() == TensorRole.QUANT_PARAM) continue;
            if (t.role() == TensorRole.EMBEDDING && !(tied && isTokenEmbedding(t))) continue;
            s += t.elements();
        }
        return s;
    }

    /** Parameters of the output projection (computed once per prompt, not per prompt token). */
    static double outputParameters(ModelVariant v) {
        double s = 0;
        boolean tied = v.tiedOutput();
        for (TensorInfo t : v.tensors()) {
            if (t.rank() < 2) continue;
            if (t.role() == TensorRole.OUTPUT || (tied && t.role() == TensorRole.EMBEDDING && isTokenEmbedding(t))) {
                s += t.elements();
            }
        }
        return s;
    }

    static boolean isTokenEmbedding(TensorInfo t) {
        String n = t.name().toLowerCase(java.util.Locale.ROOT);
        return n.contains("token_embd") || n.contains("embed_tokens") || n.contains("wte")
                || n.contains("word_embeddings") || n.equals("tok_embeddings.weight");
    }
}
