package dev.weightclass.distill.train;

/**
 * Optimiser and bookkeeping settings of one training run.
 *
 * @param steps           optimizer steps in total
 * @param lr              peak learning rate
 * @param warmup          linear warm-up steps
 * @param minLrRatio      the cosine decay ends at lr * minLrRatio
 * @param weightDecay     AdamW's decoupled decay (matrices only)
 * @param clipNorm        global gradient-norm limit; 0 for none
 * @param checkpointEvery steps between checkpoints; 0 for only the final (and Ctrl-C) one
 * @param evalEvery       steps between evaluations; 0 for only before and after
 * @param seed            data order and anything else random
 */
public record TrainConfig(int steps, double lr, int warmup, double minLrRatio, double weightDecay, double clipNorm,
                          int checkpointEvery, int evalEvery, long seed) {

    public TrainConfig {
        if (steps <= 0) throw new IllegalArgumentException("steps must be positive");
        if (checkpointEvery < 0 || evalEvery < 0) throw new IllegalArgumentException("intervals must be >= 0");
    }

    public Schedule schedule() { return new Schedule(lr, Math.min(warmup, steps), steps, minLrRatio); }

    /** The settings that change the result, for a checkpoint's fingerprint. */
    public String fingerprint() {
        return "steps " + steps + ", lr " + lr + ", warmup " + warmup + ", min lr ratio " + minLrRatio
                + ", weight decay " + weightDecay + ", clip " + clipNorm + ", seed " + seed;
    }
}
