package dev.weightclass.distill.train;

/**
 * Learning rate per step: linear warm-up from peak/warmup to peak over {@code warmup} steps, then
 * cosine decay to {@code peak * minRatio} at the last step.
 */
public record Schedule(double peak, int warmup, int total, double minRatio) {

    public Schedule {
        if (!(peak > 0) || warmup < 0 || total <= 0 || minRatio < 0 || minRatio > 1) {
            throw new IllegalArgumentException("bad schedule: peak " + peak + ", warmup " + warmup + ", total " + total
                    + ", min ratio " + minRatio);
        }
    }

    /** The rate for 0-based {@code step}. */
    public double at(long step) {
        if (step < warmup) return peak * (step + 1) / warmup;
        double min = peak * minRatio;
        int decay = total - warmup;
        if (decay <= 1) return peak;
        double progress = Math.min(1.0, (double) (step - warmup) / (decay - 1));
        return min + (peak - min) * 0.5 * (1 + Math.cos(Math.PI * progress));
    }
}
