package dev.weightclass.lora;

/**
 * What serving N fine-tunes costs in storage or download: one base plus N adapters, against N
 * full fine-tuned copies of the base.
 *
 * @param baseBytes    bytes of the base model's files
 * @param adapterBytes bytes of one adapter's files
 * @param count        N, the number of fine-tunes
 */
public record AdapterSizes(long baseBytes, long adapterBytes, int count) {

    public AdapterSizes {
        if (count < 1) throw new dev.weightclass.WeightclassException("--count must be at least 1, got " + count);
    }

    /** Base once plus N adapters. */
    public long withAdapters() { return Math.addExact(baseBytes, Math.multiplyExact(adapterBytes, (long) count)); }

    /** N full fine-tuned models. */
    public long fullModels() { return Math.multiplyExact(baseBytes, (long) count); }

    /** Bytes saved by shipping adapters. */
    public long saved() { return fullModels() - withAdapters(); }

    /** How many times smaller the adapter route is. */
    public double ratio() { return withAdapters() == 0 ? 0 : (double) fullModels() / withAdapters(); }

    /** One adapter as a fraction of the base. */
    public double adapterFraction() { return baseBytes == 0 ? 0 : (double) adapterBytes / baseBytes; }
}
