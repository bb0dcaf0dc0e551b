package dev.weightclass.fit;

import dev.weightclass.format.Hyperparameters;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorType;

import java.util.List;

/**
 * Memory of ONNX Runtime's CPU execution provider running an exported decoder with
 * {@code past_key_values} inputs (see docs/MEMORY.md for the assumptions):
 * <pre>
 * weights  = initializer bytes, loaded once (pre-packed copies replace the originals)
 * kv cache = past and present K/V for the whole context, in the model's float type (F16 for an
 *            fp16 model, else F32); present is written beside past: 2 copies at the last step
 * arena    = activation peak of one prompt chunk p = min(n_ctx, n_ubatch), rounded up to a power
 *            of two (the BFC arena grows by doubling): logits p x n_vocab x 4 + scores
 *            n_head x p x n_ctx x 4 + hidden 4 x p x n_embd x 4 + ffn 2 x p x n_ff x 4
 * overhead = 48 MiB (runtime library, session, graph)
 * </pre>
 */
public final class OnnxRuntimeMemory implements MemoryModel {

    static final long OVERHEAD = 48L << 20;

    @Override
    public MemoryEstimate estimate(ModelVariant v, AttentionWindow window, RunConfig run) {
        Hyperparameters hp = v.hyperparameters();
        KvCacheModel.requireShapes(hp);
        TensorType kvType = floatType(v.tensors());
        KvCacheSize kv = KvCacheModel.dense(hp, kvType, run.contextLength());
        long p = Math.min(run.contextLength(), run.microBatch());
        long peak = 4 * (p * hp.vocabSize() + (long) hp.heads() * p * run.contextLength()
                + 4 * p * hp.embeddingWidth() + 2 * p * Math.max(hp.ffnWidth(), 0));
        long arena = Long.highestOneBit(Math.max(1, peak - 1)) << 1;
        return new MemoryEstimate(InferenceRuntime.ONNXRUNTIME, List.of(
                new MemoryPart("weights", v.weightBytes(), "initializers"),
                new MemoryPart("kv cache", 2 * kv.bytes(), kvType + " past + present, " + kv.cells() + " tokens"),
                new MemoryPart("arena", arena, "activations of a " + p + "-token prompt chunk, next power of two"),
                new MemoryPart("overhead", OVERHEAD, "runtime, session")), kv);
    }

    /** F16 when the model's floating-point weights are F16, else F32. */
    static TensorType floatType(List<TensorInfo> tensors) {
        long f16 = 0, f32 = 0;
        for (TensorInfo t : tensors) {
            if (t.type() == TensorType.F16 || t.type() == TensorType.BF16) f16 += t.elements();
            else if (t.type() == TensorType.F32) f32 += t.elements();
        }
        return f16 > f32 ? TensorType.F16 : TensorType.F32;
    }
}
