package dev.weightclass.fit;

import java.util.List;

/**
 * The memory a runtime needs to run one variant: its parts, their sum (peak resident memory
 * for a CPU runtime, GPU buffers plus the page's own heap for WebGPU) and what of it is required.
 *
 * @param runtime the runtime
 * @param parts   the parts, largest concern first
 * @param kvCache the KV cache (also one of the parts)
 */
public record MemoryEstimate(InferenceRuntime runtime, List<MemoryPart> parts, KvCacheSize kvCache) {

    public MemoryEstimate {
        parts = List.copyOf(parts);
    }

    public long total() {
        long s = 0;
        for (MemoryPart p : parts) s += p.bytes();
        return s;
    }

    /** Memory the run needs: the total less reclaimable clean file pages. */
    public long required() {
        long s = 0;
        for (MemoryPart p : parts) if (!p.reclaimable()) s += p.bytes();
        return s;
    }

    public long part(String name) {
        for (MemoryPart p : parts) if (p.name().equals(name)) return p.bytes();
        return 0;
    }
}
