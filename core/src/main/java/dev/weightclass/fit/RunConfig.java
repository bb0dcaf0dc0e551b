package dev.weightclass.fit;

import dev.weightclass.WeightclassException;
import dev.weightclass.tensor.TensorType;

/**
 * How the model is run: what the memory and speed estimates depend on besides the model.
 *
 * @param contextLength  tokens of context (llama.cpp rounds it up to a multiple of 256)
 * @param kvType         element type of the KV cache (F16, Q8_0, Q4_0...; WebGPU always uses F16)
 * @param mmap           llama.cpp maps the file instead of reading it (its default)
 * @param batch          llama.cpp {@code n_batch} (default 2048)
 * @param microBatch     llama.cpp {@code n_ubatch} (default 512), also ONNX Runtime's prompt chunk
 * @param flashAttention llama.cpp {@code -fa}: no attention-score matrix in the compute buffer
 * @param prefillChunk   WebGPU runtime's prefill chunk (WebLLM {@code prefill_chunk_size})
 */
public record RunConfig(int contextLength, TensorType kvType, boolean mmap, int batch, int microBatch,
                        boolean flashAttention, int prefillChunk) {

    public RunConfig {
        if (contextLength <= 0) throw new WeightclassException("context length must be positive, got " + contextLength);
        if (batch <= 0 || microBatch <= 0 || prefillChunk <= 0) {
            throw new WeightclassException("batch sizes must be positive");
        }
        if (kvType == null) kvType = TensorType.F16;
        if (!KvCacheModel.supports(kvType)) {
            throw new WeightclassException("KV cache type " + kvType + " is not one llama.cpp offers"
                    + " (F32, F16, BF16, Q8_0, Q5_1, Q5_0, Q4_1, Q4_0, IQ4_NL)");
        }
    }

    /** llama.cpp's defaults (mmap, flash attention, F16 cache) at a context length. */
    public static RunConfig defaults(int contextLength) {
        return new RunConfig(contextLength, TensorType.F16, true, 2048, 512, true, 1024);
    }

    public RunConfig withContext(int n) {
        return new RunConfig(n, kvType, mmap, batch, microBatch, flashAttention, prefillChunk);
    }

    public RunConfig withMmap(boolean m) {
        return new RunConfig(contextLength, kvType, m, batch, microBatch, flashAttention, prefillChunk);
    }

    public RunConfig withKvType(TensorType t) {
        return new RunConfig(contextLength, t, mmap, batch, microBatch, flashAttention, prefillChunk);
    }

    public RunConfig withFlashAttention(boolean fa) {
        return new RunConfig(contextLength, kvType, mmap, batch, microBatch, fa, prefillChunk);
    }
}
