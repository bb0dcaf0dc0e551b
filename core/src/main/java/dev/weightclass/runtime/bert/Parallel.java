package dev.weightclass.runtime.bert;

import dev.weightclass.WeightclassException;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;

/** Runs index ranges on a fixed pool of threads; the calling thread takes a share itself. */
final class Parallel implements AutoCloseable {
    /** Work on [from, to). */
    @FunctionalInterface
    interface Body {
        void run(int from, int to);
    }

    private final int threads;
    private final ForkJoinPool pool;

    Parallel(int threads) {
        if (threads < 1) throw new WeightclassException("threads must be at least 1, got " + threads);
        this.threads = threads;
        this.pool = threads == 1 ? null : new ForkJoinPool(threads);
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
        pool.invoke(new Chunks(count, align, units, parts, 0, parts, body));
    }

    /** Parts [p0, p1) of the split, halved recursively so the pool sees independent tasks. */
    private static final class Chunks extends RecursiveAction {
        final int count, align, units, parts, p0, p1;
        final Body body;

        Chunks(int count, int align, int units, int parts, int p0, int p1, Body body) {
            this.count = count;
            this.align = align;
            this.units = units;
            this.parts = parts;
            this.p0 = p0;
            this.p1 = p1;
            this.body = body;
        }

        @Override
        protected void compute() {
            if (p1 - p0 == 1) {
                int from = Math.min(count, (int) ((long) units * p0 / parts) * align);
                int to = Math.min(count, (int) ((long) units * p1 / parts) * align);
                if (from < to) body.run(from, to);
                return;
            }
            int mid = (p0 + p1) >>> 1;
            invokeAll(new Chunks(count, align, units, parts, p0, mid, body),
                    new Chunks(count, align, units, parts, mid, p1, body));
        }
    }

    @Override
    public void close() {
        if (pool != null) pool.shutdown();
    }
}
