package dev.weightclass.fit;

/**
 * The best variant for one device.
 *
 * @param device        the device
 * @param best          the highest-quality variant that fits at the requested context, or null
 * @param maxContext    the largest context (multiple of 256, up to the model's trained context)
 *                      at which {@code best} still fits
 * @param text          one line for people
 */
public record Recommendation(Device device, FitResult best, int maxContext, String text) {
}
