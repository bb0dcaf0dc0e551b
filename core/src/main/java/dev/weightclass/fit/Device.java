package dev.weightclass.fit;

import java.util.List;

/**
 * A device a model may run on. Memory sizes in bytes; bandwidths in GB/s (10^9 B/s).
 *
 * @param name              catalog name
 * @param aliases           other names the CLI accepts
 * @param category          phone-low, phone-mid, phone-flagship, chromebook, laptop-apple, ...
 * @param os                android, ios, macos, windows, chromeos, linux
 * @param cpu               CPU description
 * @param gpu               GPU description
 * @param ramBytes          installed RAM
 * @param unifiedMemory     the GPU uses system RAM
 * @param vramBytes         dedicated GPU memory (0 when unified)
 * @param memoryBandwidth   system RAM bandwidth, GB/s (what a CPU runtime streams weights at)
 * @param gpuBandwidth      GPU memory bandwidth, GB/s
 * @param cpuGflops         FP32 FMA peak of the cores a CPU runtime uses, GFLOP/s
 * @param gpuFp16Tflops     FP16 shader peak, TFLOP/s
 * @param osReservedBytes   RAM the OS and its background keep
 * @param appLimitBytes     per-app limit (iOS), or 0 when none
 * @param browserShare      share of the usable RAM a browser tab's GPU allocations may take on
 *                          unified memory
 * @param gpuReservedBytes  dedicated GPU memory kept by the driver and compositor
 * @param webgpu            WebGPU limits, or null when the browser has no WebGPU
 * @param storageQuotaBytes typical browser storage quota for one origin
 * @param source            where the figures come from
 */
public record Device(String name, List<String> aliases, String category, String os, String cpu, String gpu,
                     long ramBytes, boolean unifiedMemory, long vramBytes, double memoryBandwidth,
                     double gpuBandwidth, double cpuGflops, double gpuFp16Tflops, long osReservedBytes,
                     long appLimitBytes, double browserShare, long gpuReservedBytes, WebGpuLimits webgpu,
                     long storageQuotaBytes, String source) {

    public Device {
        aliases = aliases == null ? List.of() : List.copyOf(aliases);
    }

    /** RAM a native process may use: RAM minus the OS's share, capped by a per-app limit. */
    public long nativeBudget() {
        long b = Math.max(0, ramBytes - osReservedBytes);
        return appLimitBytes > 0 ? Math.min(b, appLimitBytes) : b;
    }

    /** Memory a browser page's WebGPU buffers may take. */
    public long webGpuBudget() {
        if (!unifiedMemory && vramBytes > 0) return Math.max(0, vramBytes - gpuReservedBytes);
        return (long) (nativeBudget() * browserShare);
    }

    /** A device described only by the memory available to the model and its bandwidth. */
    public static Device custom(long ramBytes, long vramBytes, double bandwidthGbs) {
        boolean unified = vramBytes <= 0;
        return new Device("custom", List.of(), "custom", "unknown", "unknown", "unknown", ramBytes, unified,
                Math.max(0, vramBytes), bandwidthGbs, bandwidthGbs, 0, 0, 0, 0, 1.0, 0,
                new WebGpuLimits(Long.MAX_VALUE, Long.MAX_VALUE, "unknown: not checked"), Long.MAX_VALUE,
                "given on the command line");
    }
}
