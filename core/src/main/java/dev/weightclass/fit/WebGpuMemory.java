package dev.weightclass.fit;

import dev.weightclass.format.Hyperparameters;

import java.util.List;

/**
 * Memory of a WebLLM-style browser runtime (see docs/MEMORY.md). Everything but the overhead
 * lives in WebGPU buffers:
 * <pre>
 * weights     = sum of tensor bytes, one storage buffer per tensor
 * kv cache    = F16, context rounded to pages of 16 tokens, sliding layers capped at the window
 * activations = prefill chunk c = min(n_ctx, prefill_chunk), F16:
 *               c x (4 n_embd + 3 n_ff + 2 q + 2 kv) x 2 B + n_head x c x c x 4 B (scores of
 *               one chunk) + n_vocab x 4 B (logits of the last token)
 * overhead    = 64 MiB: WebAssembly heap, tokenizer, pipelines, staging buffers
 * </pre>
 */
public final class WebGpuMemory implements MemoryModel {

    static final long OVERHEAD = 64L << 20;

    @Override
    public MemoryEstimate estimate(ModelVariant v, AttentionWindow window, RunConfig run) {
        Hyperparameters hp = v.hyperparameters();
        KvCacheModel.requireShapes(hp);
        KvCacheSize kv = KvCacheModel.webGpu(hp, window, run);
        long activations = activations(hp, run);
        return new MemoryEstimate(InferenceRuntime.WEBGPU, List.of(
                new MemoryPart("weights", v.weightBytes(), "one GPU buffer per tensor; largest "
                        + dev.weightclass.size.Bytes.human(v.largestTensorBytes())),
                new MemoryPart("kv cache", kv.bytes(), LlamaCppMemory.kvNote(kv)),
                new MemoryPart("activations", activations,
                        "prefill chunk of " + Math.min(run.contextLength(), run.prefillChunk()) + " tokens"),
                new MemoryPart("overhead", OVERHEAD, "wasm heap, tokenizer, pipelines")), kv);
    }

    static long activations(Hyperparameters hp, RunConfig run) {
        long c = Math.min(run.contextLength(), run.prefillChunk());
        long q = (long) hp.heads() * hp.headDim();
        long kv = (long) hp.kvHeads() * hp.headDim();
        long perToken = 4L * hp.embeddingWidth() + 3L * Math.max(hp.ffnWidth(), 0) + 2 * q + 2 * kv;
        return 2 * c * perToken + 4L * hp.heads() * c * c + 4L * hp.vocabSize();
    }
}
