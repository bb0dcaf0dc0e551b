package dev.weightclass.fit;

/**
 * Estimated throughput. NaN when the device does not say the figure it would need.
 *
 * @param decodeTokensPerSecond  generation speed (memory-bandwidth bound)
 * @param prefillTokensPerSecond prompt processing speed (compute bound)
 * @param bytesPerToken          bytes a decoded token reads (weights + KV cache)
 * @param flopsPerToken          FLOPs of one prompt token
 */
public record SpeedEstimate(double decodeTokensPerSecond, double prefillTokensPerSecond, long bytesPerToken,
                            double flopsPerToken) {
}
