package dev.weightclass.runtime.bert;

import dev.weightclass.WeightclassException;
import dev.weightclass.runtime.WorkerPool;

/**
 * Runs index ranges on the runtime's {@link WorkerPool}: the calling thread takes a share itself,
 * and workers spin briefly between jobs. One sentence is ~50 small products, tenths of a
 * millisecond each, a few microseconds apart: waking parked threads for each would cost as much.
 */
final class Parallel implements AutoCloseable {
    /** Work on [from, to). */
    @FunctionalInterface
    interface Body {
        void run(int from, int to);
    }

    private final int threads;
    private final WorkerPool pool;

    Parallel(int threads) {
        if (threads < 1) throw new WeightclassException("threads must be at least 1, got " + threads);
        this.threads = threads;
        this.pool = threads == 1 ? null : new WorkerPool(threads);
    }

    int threads() { return threads; }

    /** Splits [0, count) into at most {@code threads} equal ranges (in units of {@code align}). */
    void split(int count, int align, Body body) {
        int units = (count + align - 1) / align;
        int parts = Math.min(threads, units);
        if (pool == null || parts <= 1) {
            body.run(0, count);
            return;
        }
        int grain = (units + parts - 1) / parts * align;
        pool.run(count, grain, body::run);
    }

    @Override
    public void close() {
        if (pool != null) pool.close();
    }
}
