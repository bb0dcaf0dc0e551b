package dev.weightclass.quant.onnx;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongConsumer;

/**
 * Where the quantizer's chunks of work run: on worker threads, their results handed back to the
 * writing thread in chunk order (so the output does not depend on the thread count), with a
 * bounded number of chunks in flight (so memory does not grow with the weight). One thread runs
 * everything on the caller's thread. Also carries the progress callback (input bytes done).
 */
final class Chunks implements AutoCloseable {
    /** Work for chunk {@code index}; runs on any thread and must not touch shared mutable state. */
    @FunctionalInterface
    interface Job<T> {
        T run(int index);
    }

    /** Takes the results in chunk order, on the calling thread. */
    @FunctionalInterface
    interface Sink<T> {
        void accept(T result) throws IOException;
    }

    static final Chunks SERIAL = new Chunks(1, null);

    private final ExecutorService pool;
    private final int inFlight;
    private final LongConsumer progress;

    Chunks(int threads, LongConsumer progress) {
        this.pool = threads <= 1 ? null : Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "quantize-onnx");
            t.setDaemon(true);
            return t;
        });
        this.inFlight = 2 * Math.max(1, threads);
        this.progress = progress;
    }

    <T> void inOrder(int count, Job<T> job, Sink<T> sink) throws IOException {
        if (pool == null) {
            for (int i = 0; i < count; i++) sink.accept(job.run(i));
            return;
        }
        ArrayDeque<Future<T>> pending = new ArrayDeque<>();
        try {
            for (int i = 0; i < count; i++) {
                int index = i;
                pending.add(pool.submit(() -> job.run(index)));
                if (pending.size() >= inFlight) sink.accept(pending.removeFirst().get());
            }
            while (!pending.isEmpty()) sink.accept(pending.removeFirst().get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while quantizing", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            if (e.getCause() instanceof Error er) throw er;
            throw new IOException("quantizing failed", e.getCause());
        } finally {
            for (Future<T> f : pending) f.cancel(true);
        }
    }

    /** Reports {@code bytes} more input done. */
    void done(long bytes) {
        if (progress != null) progress.accept(bytes);
    }

    @Override
    public void close() {
        if (pool != null) pool.shutdownNow();
    }
}
