package dev.weightclass.distill.train;

import ai.djl.ndarray.NDManager;

/**
 * Training data as a function of the step: batch {@code step} must always be the same batch for the
 * same seed, so a resumed run sees exactly the data an uninterrupted run would have seen (the data
 * order needs no saved random state). {@link #shuffled} gives a seeded epoch-by-epoch order.
 */
@FunctionalInterface
public interface Batches<B> {

    /** Batch number {@code step} (0-based); its arrays belong in {@code manager}. */
    B batch(long step, NDManager manager);

    /**
     * The indices of the examples in batch {@code step}: epochs of a seeded permutation of
     * {@code 0..count-1}, {@code size} at a time (an epoch's tail shorter than {@code size} is
     * completed from the next epoch's order).
     */
    static int[] shuffled(long seed, long step, int count, int size) {
        if (count <= 0 || size <= 0) throw new IllegalArgumentException("count and size must be positive");
        int[] out = new int[size];
        long first = step * size;
        int[] perm = null;
        long permEpoch = -1;
        for (int i = 0; i < size; i++) {
            long k = first + i;
            long epoch = k / count;
            if (epoch != permEpoch) {
                perm = permutation(seed, epoch, count);
                permEpoch = epoch;
            }
            out[i] = perm[(int) (k % count)];
        }
        return out;
    }

    /** Fisher-Yates shuffle of 0..n-1 seeded by (seed, epoch). */
    private static int[] permutation(long seed, long epoch, int n) {
        return shuffled(new java.util.SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch), n);
    }

    /** 0..n-1 in the Fisher-Yates order that {@code r} draws. */
    public static int[] shuffled(java.util.SplittableRandom r, int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
