package dev.weightclass.fit;

/**
 * One part of a runtime's memory.
 *
 * @param name  short label (weights, kv cache, compute buffer...)
 * @param bytes size
 * @param note  how it was counted, for people
 * @param reclaimable clean file pages the OS may drop without harm (resident, so counted in the
 *              peak RSS, but not needed to run: they do not count against a device's memory)
 */
public record MemoryPart(String name, long bytes, String note, boolean reclaimable) {

    public MemoryPart(String name, long bytes, String note) {
        this(name, bytes, note, false);
    }
}
