package dev.weightclass.runtime;

import dev.weightclass.WeightclassException;

/**
 * Splits a product over output rows and runs the pieces on {@code threads} threads (the caller and
 * a {@link WorkerPool}). Before the product, each activation row is converted once to the form the weight type
 * multiplies with ({@link QuantizedInput}: F16/BF16 rounding, Q8_0/Q8_1 quantization), as
 * llama.cpp's CPU backend does. Subclasses compute a range of rows; this class owns the threading
 * and the conversion buffers (one set per calling thread, so nothing is allocated per token).
 */
abstract class RowKernels implements Kernels {
    /** Rows per task are kept a multiple of this so row-tiled kernels see whole tiles. */
    static final int ROW_ALIGN = 4;

    private final int threads;
    private final Inputs inputs;
    private final WorkerPool pool;
    private final ThreadLocal<QuantizedInput[]> buffers = ThreadLocal.withInitial(() -> new QuantizedInput[0]);

    RowKernels(int threads, Inputs inputs) {
        if (threads < 1) throw new WeightclassException("threads must be at least 1, got " + threads);
        this.threads = threads;
        this.inputs = inputs;
        this.pool = threads == 1 ? null : new WorkerPool(threads);
    }

    @Override
    public int threads() { return threads; }

    /** How activations are converted before a product. */
    Inputs inputs() { return inputs; }

    /** True: the Vector API converts activations (bit-identical to the scalar conversion). */
    abstract boolean vectorConversion();

    /** {@code out[r] = W[r,:] · x} for r in [r0, r1). */
    abstract void matvecRows(WeightMatrix w, QuantizedInput x, float[] out, int r0, int r1);

    /** {@code out[b][r] = W[r,:] · x[b]} for r in [r0, r1), b < n. */
    abstract void matmulRows(WeightMatrix w, QuantizedInput[] x, float[][] out, int n, int r0, int r1);

    @Override
    public final void matvec(WeightMatrix w, float[] x, float[] out) {
        check(w, x.length, out.length);
        QuantizedInput in = buffers(1)[0].set(kind(w), x, w.cols(), vectorConversion());
        run(w.rows(), grain(w, 1), (r0, r1) -> matvecRows(w, in, out, r0, r1));
    }

    @Override
    public final void matmul(WeightMatrix w, float[][] x, float[][] out, int n) {
        if (n == 1) {
            matvec(w, x[0], out[0]);
            return;
        }
        for (int b = 0; b < n; b++) check(w, x[b].length, out[b].length);
        QuantizedInput[] in = convert(w, x, n);
        run(w.rows(), grain(w, n), (r0, r1) -> matmulRows(w, in, out, n, r0, r1));
    }

    /** The calling thread's buffers holding x[0..n) converted for w's type (in parallel when there are many). */
    private QuantizedInput[] convert(WeightMatrix w, float[][] x, int n) {
        QuantizedInput[] in = buffers(n);
        QuantizedInput.Kind kind = kind(w);
        int cols = w.cols();
        boolean vec = vectorConversion();
        QuantizedInput[] buf = in;
        if (kind == QuantizedInput.Kind.F32 || n < 8) {
            for (int b = 0; b < n; b++) buf[b].set(kind, x[b], cols, vec);
        } else {
            parallelFor(n, Math.max(1, 65536 / cols), (b0, b1) -> {
                for (int b = b0; b < b1; b++) buf[b].set(kind, x[b], cols, vec);
            });
        }
        return in;
    }

    private QuantizedInput.Kind kind(WeightMatrix w) {
        return inputs == Inputs.F32 ? QuantizedInput.Kind.F32 : QuantizedInput.Kind.of(w.type());
    }

    private QuantizedInput[] buffers(int n) {
        QuantizedInput[] in = buffers.get();
        if (in.length < n) {
            QuantizedInput[] grown = java.util.Arrays.copyOf(in, n);
            for (int i = in.length; i < n; i++) grown[i] = new QuantizedInput();
            buffers.set(in = grown);
        }
        return in;
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
        int align = w.interleaved() != null ? RowGroups.rowsPerGroup(w.type()) : ROW_ALIGN;   // whole row groups
        rows = Math.max(align, rows);
        return (int) Math.min(Integer.MAX_VALUE, (rows + align - 1) / align * align);
    }

    private void run(int count, int grain, RangeBody body) {
        if (pool == null || count <= grain) {
            body.run(0, count);
            return;
        }
        pool.run(count, grain, body);
    }

    /** Runs {@code body} over [0, count) on the pool, split into ranges of about {@code grain}. */
    @Override
    public final void parallelFor(int count, int grain, RangeBody body) {
        run(count, Math.max(1, grain), body);
    }

    @Override
    public void close() {
        if (pool != null) pool.close();
    }
}
