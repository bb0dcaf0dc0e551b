package dev.weightclass.fit;

import dev.weightclass.WeightclassException;
import dev.weightclass.format.Hyperparameters;
import dev.weightclass.tensor.TensorType;

import java.util.EnumSet;
import java.util.Set;

/**
 * KV cache sizes as the runtimes allocate them.
 *
 * <pre>
 * per layer and cell:  row(type, n_kv_heads * head_dim)  for K, the same for V
 * row(type, n)         = n / block_size * block_bytes   (F16: 2 n; Q8_0: 34 n / 32; Q4_0: 18 n / 32)
 * llama.cpp cells      = n_ctx rounded up to 256; a sliding-window layer gets
 *                        min(cells, pad256(window + n_ubatch))
 * </pre>
 */
public final class KvCacheModel {
    private KvCacheModel() {}

    /** llama.cpp rounds the context up to a multiple of this ({@code GGML_PAD(n_ctx, 256)}). */
    public static final int LLAMA_CPP_CELL_PAD = 256;

    private static final Set<TensorType> CACHE_TYPES = EnumSet.of(TensorType.F32, TensorType.F16,
            TensorType.BF16, TensorType.Q8_0, TensorType.Q5_1, TensorType.Q5_0, TensorType.Q4_1,
            TensorType.Q4_0, TensorType.IQ4_NL);

    public static boolean supports(TensorType t) {
        return CACHE_TYPES.contains(t);
    }

    public static long pad(long n, long to) {
        return (n + to - 1) / to * to;
    }

    /** llama.cpp's cache (the {@code llama_kv_cache} / {@code _iswa} sizes its log reports). */
    public static KvCacheSize llamaCpp(Hyperparameters hp, AttentionWindow window, RunConfig run) {
        long cells = pad(run.contextLength(), LLAMA_CPP_CELL_PAD);
        long ubatch = microBatch(run);
        long slidingCells = window.window() == 0 ? 0
                : pad(Math.min(cells, (long) window.window() + ubatch), LLAMA_CPP_CELL_PAD);
        return size(hp, window, run.kvType(), cells, slidingCells);
    }

    /**
     * A WebLLM-style paged cache: F16, every token of the context window (pages of 16), sliding
     * layers capped at the window.
     */
    public static KvCacheSize webGpu(Hyperparameters hp, AttentionWindow window, RunConfig run) {
        long cells = pad(run.contextLength(), 16);
        long slidingCells = window.window() == 0 ? 0 : Math.min(cells, pad(window.window(), 16));
        return size(hp, window, TensorType.F16, cells, slidingCells);
    }

    /** An exported decoder's {@code past_key_values}: the whole context in the given type. */
    public static KvCacheSize dense(Hyperparameters hp, TensorType type, long cells) {
        return size(hp, AttentionWindow.NONE, type, cells, 0);
    }

    /** llama.cpp's micro-batch: n_ubatch capped by n_batch, which is capped by the padded context. */
    static long microBatch(RunConfig run) {
        long cells = pad(run.contextLength(), LLAMA_CPP_CELL_PAD);
        long batch = Math.min(cells, run.batch());
        return Math.min(batch, run.microBatch());
    }

    private static KvCacheSize size(Hyperparameters hp, AttentionWindow window, TensorType type,
                                    long cells, long slidingCells) {
        requireShapes(hp);
        long width = (long) hp.kvHeads() * hp.headDim();           // n_embd_k_gqa = n_embd_v_gqa
        long row = type.bytesFor(width);
        if (row < 0) {
            throw new WeightclassException("KV cache type " + type + " needs a K/V width that is a multiple of "
                    + type.blockSize() + "; this model's is " + width + " (" + hp.kvHeads() + " heads x "
                    + hp.headDim() + ")");
        }
        long bytes = 0;
        int full = 0, sliding = 0;
        for (int il = 0; il < hp.layers(); il++) {
            boolean swa = window.isSliding(il);
            if (swa) sliding++; else full++;
            bytes += 2 * row * (swa ? slidingCells : cells);        // K and V
        }
        return new KvCacheSize(bytes, cells, sliding == 0 ? 0 : slidingCells, full, sliding, type);
    }

    static void requireShapes(Hyperparameters hp) {
        if (hp.layers() <= 0 || hp.heads() <= 0 || hp.kvHeads() <= 0 || hp.headDim() <= 0
                || hp.embeddingWidth() <= 0 || hp.vocabSize() <= 0) {
            throw new WeightclassException("cannot size the memory of a " + hp.architecture()
                    + " model: missing or impossible shapes (layers " + hp.layers() + ", width "
                    + hp.embeddingWidth() + ", heads " + hp.heads() + ", kv heads " + hp.kvHeads()
                    + ", head dim " + hp.headDim() + ", vocab " + hp.vocabSize() + ")");
        }
    }
}
