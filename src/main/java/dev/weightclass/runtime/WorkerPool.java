package dev.weightclass.runtime;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of worker threads that stay alive between products: a generated token runs about
 * 150 matrix products of a few hundred microseconds each, too short to pay for task objects and
 * work stealing every time. The calling thread works too; pieces are claimed from a shared
 * counter, so a thread slowed down by other load on the machine simply takes fewer pieces.
 * Workers spin briefly for the next job, then park.
 */
final class WorkerPool implements AutoCloseable {
    private static final int SPIN = 1 << 14;

    private final Thread[] workers;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger pending = new AtomicInteger();
    private volatile long generation;
    private volatile boolean closed;
    private volatile Kernels.RangeBody body;
    private volatile int count, grain;
    private volatile Throwable failure;
    private volatile Thread caller;

    WorkerPool(int threads) {
        workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = Thread.ofPlatform().daemon().name("weightclass-kernel-" + (i + 1)).unstarted(this::work);
            workers[i].start();
        }
    }

    /** Runs {@code body} over [0, count) in pieces of {@code grain}; returns when every piece is done. One job at a time. */
    synchronized void run(int count, int grain, Kernels.RangeBody body) {
        if (this.body != null || isWorker(Thread.currentThread())) {
            body.run(0, count);   // nested inside a running job: no second level of parallelism
            return;
        }
        this.body = body;
        this.count = count;
        this.grain = grain;
        this.failure = null;
        this.caller = Thread.currentThread();
        next.set(0);
        pending.set(workers.length);
        generation++;   // publishes the job
        for (Thread w : workers) LockSupport.unpark(w);
        Throwable mine = null;
        try {
            claim(body, count, grain);
        } catch (Throwable t) {
            mine = t;
            failure = t;
        }
        for (int spins = 0; pending.get() > 0; spins++) {
            if (spins < SPIN) Thread.onSpinWait();
            else LockSupport.parkNanos(this, 50_000);
        }
        this.body = null;
        Throwable t = mine != null ? mine : failure;
        if (t instanceof RuntimeException e) throw e;
        if (t instanceof Error e) throw e;
    }

    private void claim(Kernels.RangeBody body, int count, int grain) {
        int from;
        while (failure == null && (from = next.getAndAdd(grain)) < count) body.run(from, Math.min(count, from + grain));
    }

    private boolean isWorker(Thread t) {
        for (Thread w : workers) if (w == t) return true;
        return false;
    }

    private void work() {
        long seen = 0;
        while (true) {
            long g;
            for (int spins = 0; (g = generation) == seen && !closed; spins++) {
                if (spins < SPIN) Thread.onSpinWait();
                else LockSupport.park(this);
            }
            if (closed) return;
            seen = g;
            try {
                claim(body, count, grain);
            } catch (Throwable t) {
                failure = t;
            }
            if (pending.decrementAndGet() == 0) LockSupport.unpark(caller);
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) LockSupport.unpark(w);
    }
}
