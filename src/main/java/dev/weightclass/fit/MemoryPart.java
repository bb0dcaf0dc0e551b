package dev.weightclass.fit;

/**
 * One part of a runtime's memory.
 *
 * @param name  short label (weights, kv cache, compute buffer...)
 * @param bytes size
 * @param note  how it was counted, for people
 */
public record MemoryPart(String name, long bytes, String note) {
}
