package dev.weightclass.fit;

import dev.weightclass.WeightclassException;
import dev.weightclass.format.Hyperparameters;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorRole;
import dev.weightclass.tensor.TensorType;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Peak resident memory of llama.cpp on the CPU (see docs/MEMORY.md):
 * <pre>
 * weights as loaded  = sum of tensor bytes (repacking keeps the size)
 * + mapped pages     = bytes of repacked tensors, under mmap only (the file pages read to
 *                      repack stay resident beside the copy)
 * + KV cache         = see {@link KvCacheModel#llamaCpp}
 * + compute buffer   = the largest set of live activations of the worst-case graph
 * + output buffer    = n_vocab x 4 (the logits of one sequence)
 * + overhead         = 4 MiB + 64 B per vocabulary entry (process, threads, tokenizer)
 * </pre>
 */
public final class LlamaCppMemory implements MemoryModel {

    /**
     * Types the CPU backend repacks into interleaved rows for its matrix kernels (x86 AVX2 and
     * ARM NEON builds): a copy in a separate buffer, the original bytes are not used afterwards.
     */
    static final Set<TensorType> REPACKED = EnumSet.of(TensorType.Q4_0, TensorType.Q4_K, TensorType.IQ4_NL);

    static final long MIB = 1L << 20;
    static final long OVERHEAD_BASE = 4 * MIB;
    static final long OVERHEAD_PER_TOKEN = 64;

    @Override
    public MemoryEstimate estimate(ModelVariant v, AttentionWindow window, RunConfig run) {
        Hyperparameters hp = v.hyperparameters();
        KvCacheModel.requireShapes(hp);
        if (!run.flashAttention() && run.kvType().isQuantized()) {
            throw new WeightclassException("llama.cpp needs flash attention for a quantized V cache ("
                    + run.kvType() + "); use --flash-attention or an F16 cache");
        }
        long weights = v.weightBytes();
        long repacked = repackedBytes(v.tensors());
        KvCacheSize kv = KvCacheModel.llamaCpp(hp, window, run);
        long compute = computeBuffer(hp, run, kv.cells());
        long output = 4L * hp.vocabSize();
        long overhead = OVERHEAD_BASE + OVERHEAD_PER_TOKEN * hp.vocabSize();

        List<MemoryPart> parts = new ArrayList<>();
        parts.add(new MemoryPart("weights", weights, repacked > 0
                ? String.format("%,d B repacked for the CPU kernels", repacked) : "as stored in the file"));
        if (run.mmap() && repacked > 0) {
            parts.add(new MemoryPart("mapped file pages", repacked,
                    "mmap: pages read to repack stay resident but are clean and reclaimable", true));
        }
        parts.add(new MemoryPart("kv cache", kv.bytes(), kvNote(kv)));
        parts.add(new MemoryPart("compute buffer", compute,
                "worst-case graph at n_ubatch " + KvCacheModel.microBatch(run)));
        parts.add(new MemoryPart("output buffer", output, "logits, n_vocab x 4 B"));
        parts.add(new MemoryPart("overhead", overhead, "process, threads, tokenizer"));
        return new MemoryEstimate(InferenceRuntime.LLAMA_CPP, parts, kv);
    }

    static String kvNote(KvCacheSize kv) {
        String s = kv.type() + ", " + kv.fullLayers() + " layers x " + kv.cells() + " cells";
        if (kv.slidingLayers() > 0) s += " + " + kv.slidingLayers() + " sliding layers x " + kv.slidingCells() + " cells";
        return s;
    }

    /** Bytes of the 2-D matrix weights the CPU backend repacks (the token embedding is only gathered). */
    static long repackedBytes(List<TensorInfo> tensors) {
        long s = 0;
        for (TensorInfo t : tensors) {
            if (REPACKED.contains(t.type()) && t.rank() == 2 && t.role() != TensorRole.EMBEDDING
                    && t.dim(0) % 8 == 0) s += t.byteSize();
        }
        return s;
    }

    /**
     * The compute buffer ggml-alloc reserves for the worst-case graph: n_ubatch tokens, every one
     * producing logits. Its size is the largest set of tensors alive at one point (F32, 4 bytes):
     * <pre>
     * output stage    = n_vocab x ub (logits) + 2 x n_embd x ub (normed hidden state and its input)
     * ffn stage       = 2 x n_embd x ub + 3 x n_ff x ub (gate, up, their product)
     * attention stage = 2 x n_embd x ub + (2 q + 2 kv) x ub, + 2 x n_head x ub x n_kv scores without
     *                   flash attention
     * </pre>
     */
    public static long computeBuffer(Hyperparameters hp, RunConfig run, long kvCells) {
        long ub = KvCacheModel.microBatch(run);
        long e = (long) hp.embeddingWidth() * ub;
        long q = (long) hp.heads() * hp.headDim() * ub;
        long kv = (long) hp.kvHeads() * hp.headDim() * ub;
        long output = (long) hp.vocabSize() * ub + 2 * e;
        long ffn = 2 * e + 3L * Math.max(hp.ffnWidth(), 0) * ub;
        long attention = 2 * e + 2 * q + 2 * kv;
        if (!run.flashAttention()) attention += 2L * hp.heads() * ub * kvCells;
        return 4 * Math.max(output, Math.max(ffn, attention));
    }
}
