package dev.weightclass.fit;

import dev.weightclass.size.Bytes;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides, for a runtime and run settings, whether variants fit devices, how fast they would
 * run, and which one to recommend.
 */
public final class FitCalculator {

    /** Largest context tried when the model does not state its trained context. */
    public static final int MAX_CONTEXT = 131072;

    private final InferenceRuntime runtime;
    private final RunConfig run;
    private final double networkBitsPerSecond;
    /** Memory does not depend on the device: one estimate per variant and settings serves every device. */
    private final Map<ModelVariant, Map<Memo, MemoryEstimate>> memory = new IdentityHashMap<>();

    private record Memo(AttentionWindow window, RunConfig run) {}

    /**
     * @param networkBitsPerSecond download speed used for the download time
     */
    public FitCalculator(InferenceRuntime runtime, RunConfig run, double networkBitsPerSecond) {
        this.runtime = runtime;
        this.run = run;
        this.networkBitsPerSecond = networkBitsPerSecond;
    }

    public InferenceRuntime runtime() { return runtime; }

    public RunConfig run() { return run; }

    public FitResult fit(ModelVariant v, Device d, AttentionWindow window) {
        return fit(v, d, window, run);
    }

    FitResult fit(ModelVariant v, Device d, AttentionWindow window, RunConfig cfg) {
        MemoryEstimate mem = memory(v, window, cfg);
        long total = mem.required();
        long position = Math.max(1, cfg.contextLength() / 2);
        SpeedEstimate speed = SpeedModel.estimate(v, d, runtime, mem.kvCache(), position,
                KvCacheModel.microBatch(cfg));
        double download = networkBitsPerSecond > 0 ? v.fileBytes() * 8.0 / networkBitsPerSecond : Double.NaN;

        if (runtime != InferenceRuntime.WEBGPU) {
            long budget = d.nativeBudget();
            boolean appLimited = d.appLimitBytes() > 0 && d.appLimitBytes() < d.ramBytes() - d.osReservedBytes();
            Limit limit = appLimited ? Limit.APP_LIMIT : Limit.RAM;
            boolean fits = total <= budget;
            String reason = (fits ? "fits: " : "needs ") + Bytes.human(total) + (fits ? " of " : " but only ")
                    + Bytes.human(budget) + " usable (" + limit.label() + ")";
            return new FitResult(d, v, runtime, cfg, mem, budget, fits, limit, reason, speed, download);
        }

        long budget = d.webGpuBudget();
        Limit memLimit = d.unifiedMemory() || d.vramBytes() == 0 ? Limit.GPU_MEMORY : Limit.GPU_MEMORY;
        WebGpuLimits w = d.webgpu();
        if (w == null) {
            return new FitResult(d, v, runtime, cfg, mem, budget, false, Limit.NO_WEBGPU,
                    "this device's browser has no WebGPU", speed, download);
        }
        var largest = v.largestTensor();
        long largestBytes = largest == null ? 0 : largest.byteSize();
        if (largestBytes > w.maxBufferSize()) {
            return new FitResult(d, v, runtime, cfg, mem, budget, false, Limit.BUFFER_SIZE,
                    largest.name() + " is " + Bytes.human(largestBytes) + ", above maxBufferSize "
                            + Bytes.human(w.maxBufferSize()), speed, download);
        }
        if (largestBytes > w.maxStorageBufferBindingSize()) {
            return new FitResult(d, v, runtime, cfg, mem, budget, false, Limit.TENSOR_BINDING,
                    largest.name() + " is " + Bytes.human(largestBytes) + ", above maxStorageBufferBindingSize "
                            + Bytes.human(w.maxStorageBufferBindingSize()) + ": it cannot be bound to a shader",
                    speed, download);
        }
        if (v.fileBytes() > d.storageQuotaBytes()) {
            return new FitResult(d, v, runtime, cfg, mem, budget, false, Limit.STORAGE_QUOTA,
                    "download " + Bytes.human(v.fileBytes()) + " exceeds the storage quota "
                            + Bytes.human(d.storageQuotaBytes()), speed, download);
        }
        boolean fits = total <= budget;
        String reason = (fits ? "fits: " : "needs ") + Bytes.human(total) + (fits ? " of " : " but only ")
                + Bytes.human(budget) + " for WebGPU buffers";
        return new FitResult(d, v, runtime, cfg, mem, budget, fits, memLimit, reason, speed, download);
    }

    private synchronized MemoryEstimate memory(ModelVariant v, AttentionWindow window, RunConfig cfg) {
        return memory.computeIfAbsent(v, k -> new HashMap<>())
                .computeIfAbsent(new Memo(window, cfg), k -> runtime.memoryModel().estimate(v, window, cfg));
    }

    /**
     * Bytes of weights the device can hold beside this model's other needs at the run settings:
     * the device's budget less the KV cache, compute and output buffers and overhead (everything
     * the memory model counts except the weights and reclaimable pages).
     */
    public long weightBudget(ModelVariant v, Device d, AttentionWindow window) {
        FitResult r = fit(v, d, window);
        MemoryEstimate m = r.memory();
        return r.budget() - (m.required() - m.part("weights"));
    }

    /**
     * The largest context (a multiple of 256, at most {@code max}) at which the variant fits, or 0
     * when it does not fit even at 256 tokens.
     */
    public int largestContext(ModelVariant v, Device d, AttentionWindow window, int max) {
        int hi = Math.max(256, max) / 256;
        if (!fit(v, d, window, run.withContext(256)).fits()) return 0;
        if (fit(v, d, window, run.withContext(hi * 256)).fits()) return hi * 256;
        int lo = 1; // fits at lo*256, not at hi*256
        while (hi - lo > 1) {
            int mid = (lo + hi) >>> 1;
            if (fit(v, d, window, run.withContext(mid * 256)).fits()) lo = mid; else hi = mid;
        }
        return lo * 256;
    }

    /** The highest-quality variant that fits at the requested context (smaller wins ties). */
    public Recommendation recommend(List<ModelVariant> variants, Device d, AttentionWindow window) {
        List<FitResult> fitting = new ArrayList<>();
        for (ModelVariant v : variants) {
            FitResult r = fit(v, d, window);
            if (r.fits()) fitting.add(r);
        }
        if (fitting.isEmpty()) {
            return new Recommendation(d, null, 0, d.name() + ": no variant fits at context " + run.contextLength());
        }
        FitResult best = fitting.stream().min(Comparator
                .comparingInt((FitResult r) -> Quality.rank(r.variant().type()))
                .thenComparingLong(r -> r.variant().fileBytes())).orElseThrow();
        int trained = best.variant().hyperparameters().contextLength();
        int max = trained > 0 ? Math.min(trained, MAX_CONTEXT) : MAX_CONTEXT;
        int ctx = Math.max(largestContext(best.variant(), d, window, max), run.contextLength());
        String text = String.format("%s: %s (%s, %s headroom), context up to %,d tokens, ~%s tok/s",
                d.name(), best.variant().type(), Bytes.human(best.memory().required()), Bytes.human(best.headroom()),
                ctx, Format.rate(best.speed().decodeTokensPerSecond()));
        return new Recommendation(d, best, ctx, text);
    }
}
