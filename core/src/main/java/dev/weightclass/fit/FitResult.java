package dev.weightclass.fit;

/**
 * One variant on one device.
 *
 * @param device          the device
 * @param variant         the variant
 * @param runtime         the runtime
 * @param run             context and cache settings
 * @param memory          the memory it needs
 * @param budget          memory the runtime may use on this device
 * @param fits            whether every limit holds
 * @param binding         the limit that fails, or (when it fits) the one with least headroom
 * @param reason          one line saying why
 * @param speed           throughput estimate
 * @param downloadSeconds download time at the given network speed
 */
public record FitResult(Device device, ModelVariant variant, InferenceRuntime runtime, RunConfig run, MemoryEstimate memory,
                        long budget, boolean fits, Limit binding, String reason, SpeedEstimate speed,
                        double downloadSeconds) {

    /** Memory left (negative when it does not fit). */
    public long headroom() {
        return budget - memory.required();
    }
}
