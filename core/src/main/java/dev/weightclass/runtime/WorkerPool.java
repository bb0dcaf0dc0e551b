package dev.weightclass.runtime;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Worker threads that stay alive between products, for the decoder's kernels and the encoder. A
 * generated token is about 150 matrix products (an embedded sentence about 50)
 * of a few hundred microseconds each, with only a few microseconds of serial work between them:
 * waking a parked thread (and being woken when it is done) for every product costs about as much
 * as a product's share of the work. So the calling thread works too, pieces are claimed from a
 * shared counter (a thread slowed down by other load on the machine takes fewer), and a worker
 * that finished spins for the next job for {@link #SPIN_NANOS} only, then parks: an idle pool,
 * or one waiting out a long serial stretch, costs no CPU.
 */
public final class WorkerPool implements AutoCloseable {
    /** How long an idle worker, or the caller waiting for the last piece, spins before parking. */
    static final long SPIN_NANOS = 50_000;

    private final Thread[] workers;
    /** The running job's number (high 32 bits) and the first row not yet claimed (low 32 bits). */
    private final AtomicLong ticket = new AtomicLong();
    /** Rows of the running job not yet done. */
    private final AtomicInteger remaining = new AtomicInteger();
    /** The running (or last) job; a worker holding an older one finds the ticket moved on. */
    private volatile Job current = new Job(0, null, 0, 1, null);
    private volatile boolean closed;
    private volatile Throwable failure;
    /** The thread running a job, while it does (to detect nesting). */
    private Thread running;

    /** A pool where {@code threads} threads work on each job: the caller and {@code threads - 1} workers. */
    public WorkerPool(int threads) {
        workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = Thread.ofPlatform().daemon().name("weightclass-kernel-" + (i + 1)).unstarted(this::work);
            workers[i].start();
        }
    }

    /** Runs {@code body} over [0, count) in pieces of {@code grain}; returns when every piece is done. */
    public void run(int count, int grain, Kernels.RangeBody body) {
        if (isWorker(Thread.currentThread())) {
            body.run(0, count);   // nested inside a running job: no second level of parallelism
            return;
        }
        synchronized (this) {
            if (running != null) {   // nested on the calling thread
                body.run(0, count);
                return;
            }
            failure = null;
            running = Thread.currentThread();
            remaining.set(count);
            Job j = new Job(current.id + 1, body, count, grain, running);
            ticket.set((long) j.id << 32);
            current = j;   // publishes the job
            for (Thread w : workers) LockSupport.unpark(w);
            claim(j);
            // A worker that has not woken up yet finds nothing left to claim: only pieces being
            // computed are waited for.
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            for (int spins = 0; remaining.get() > 0; spins++) {
                if ((spins & 63) != 0 || System.nanoTime() < spinUntil) Thread.onSpinWait();
                else LockSupport.parkNanos(this, 100_000);
            }
            running = null;
            Throwable t = failure;
            if (t instanceof RuntimeException e) throw e;
            if (t instanceof Error e) throw e;
        }
    }

    private record Job(int id, Kernels.RangeBody body, int count, int grain, Thread caller) {}

    /** Claims and runs pieces of {@code j} until none is left (after a failure, pieces are only counted off). */
    private void claim(Job j) {
        while (true) {
            long t = ticket.get();
            long from = t & 0xFFFF_FFFFL;
            if ((int) (t >>> 32) != j.id || from >= j.count) return;
            if (!ticket.compareAndSet(t, t + j.grain)) continue;
            int to = (int) Math.min(j.count, from + j.grain);
            try {
                if (failure == null) j.body.run((int) from, to);
            } catch (Throwable e) {
                failure = e;
            } finally {
                if (remaining.addAndGet((int) from - to) == 0) LockSupport.unpark(j.caller);
            }
        }
    }

    private boolean isWorker(Thread t) {
        for (Thread w : workers) if (w == t) return true;
        return false;
    }

    private void work() {
        int seen = 0;
        while (true) {
            Job j;
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            for (int spins = 0; (j = current).id == seen && !closed; spins++) {
                if ((spins & 63) != 0 || System.nanoTime() < spinUntil) Thread.onSpinWait();
                else LockSupport.park(this);
            }
            if (closed) return;
            seen = j.id;
            claim(j);
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) LockSupport.unpark(w);
    }
}
