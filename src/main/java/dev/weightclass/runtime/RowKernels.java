package dev.weightclass.runtime;

import dev.weightclass.WeightclassException;
import dev.weightclass.tensor.TensorType;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;

/**
 * Splits a product over output rows and runs the pieces on a pool of {@code threads} workers.
 * Subclasses compute a range of rows; this class owns the threading.
 */
abstract class RowKernels implements Kernels {
    /** Rows per task are kept a multiple of this so row-tiled kernels see whole tiles. */
    static final int ROW_ALIGN = 4;

    private final int threads;
    private final ForkJoinPool pool;

    RowKernels(int threads) {
        if (threads < 1) throw new WeightclassException("threads must be at least 1, got " + threads);
        this.threads = threads;
        this.pool = threads == 1 ? null : new ForkJoinPool(threads);
    }

    @Override
    public int threads() { return threads; }

    /** {@code out[r] = W[r,:] · x} for r in [r0, r1). */
    abstract void matvecRows(WeightMatrix w, float[] x, float[] out, int r0, int r1);

    /** {@code out[b][r] = W[r,:] · x[b]} for r in [r0, r1), b < n. */
    abstract void matmulRows(WeightMatrix w, float[][] x, float[][] out, int n, int r0, int r1);

    @Override
    public final void matvec(WeightMatrix w, float[] x, float[] out) {
        check(w, x.length, out.length);
        run(w.rows(), grain(w, 1), ROW_ALIGN, (r0, r1) -> matvecRows(w, x, out, r0, r1));
    }

    @Override
    public final void matmul(WeightMatrix w, float[][] x, float[][] out, int n) {
        if (n == 1) {
            matvec(w, x[0], out[0]);
            return;
        }
        for (int b = 0; b < n; b++) check(w, x[b].length, out[b].length);
        run(w.rows(), grain(w, n), ROW_ALIGN, (r0, r1) -> matmulRows(w, x, out, n, r0, r1));
    }

    private void check(WeightMatrix w, int xLen, int outLen) {
        if (!supports(w.type())) {
            throw new WeightclassException(w.name() + ": tensor type " + w.type() + " is not supported by the "
                    + name() + " kernels");
        }
        if (xLen < w.cols() || outLen < w.rows()) {
            throw new IllegalArgumentException(w.name() + ": [" + w.rows() + ", " + w.cols() + "] weight with input "
                    + xLen + " and output " + outLen);
        }
    }

    private int grain(WeightMatrix w, int n) {
        // At least ~64 KB of weights and activations per piece (smaller pieces cost more to schedule
        // than to compute), and no more than 4 pieces per thread (enough to balance uneven threads).
        long work = Math.max(1, w.rowBytes() + (long) w.cols() * n);
        long rows = Math.max(65536 / work, (w.rows() + threads * 4L - 1) / (threads * 4L));
        rows = Math.max(ROW_ALIGN, rows);
        return (int) Math.min(Integer.MAX_VALUE, (rows + ROW_ALIGN - 1) / ROW_ALIGN * ROW_ALIGN);
    }

    private void run(int rows, int grain, int align, RangeBody body) {
        if (pool == null || rows <= grain) {
            body.run(0, rows);
            return;
        }
        pool.invoke(new Split(0, rows, grain, align, body));
    }

    private static final class Split extends RecursiveAction {
        final int r0, r1, grain, align;
        final RangeBody body;

        Split(int r0, int r1, int grain, int align, RangeBody body) {
            this.r0 = r0;
            this.r1 = r1;
            this.grain = grain;
            this.align = align;
            this.body = body;
        }

        @Override
        protected void compute() {
            if (r1 - r0 <= grain) {
                body.run(r0, r1);
                return;
            }
            int mid = r0 + ((r1 - r0) / 2 + align - 1) / align * align;
            if (mid >= r1) {
                body.run(r0, r1);
                return;
            }
            invokeAll(new Split(r0, mid, grain, align, body), new Split(mid, r1, grain, align, body));
        }
    }

    /** Runs {@code body} over [0, count) on the pool, split into ranges of about {@code grain}. */
    @Override
    public final void parallelFor(int count, int grain, RangeBody body) {
        run(count, Math.max(1, grain), 1, body);
    }

    @Override
    public void close() {
        if (pool != null) pool.shutdown();
    }
}
