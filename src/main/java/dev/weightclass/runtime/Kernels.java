package dev.weightclass.runtime;

import dev.weightclass.tensor.TensorType;

/**
 * The compute primitives of the runtime: products of a stored weight matrix with activation
 * vectors, parallel over output rows. The weight never leaves its storage: each kernel reads the
 * rows where they are (F32/F16/BF16 element by element, block-quantized types block by block).
 * Two implementations: {@link #scalar} (the plain-Java reference) and {@link #vector} (Vector API),
 * checked against each other in the tests.
 */
public interface Kernels extends AutoCloseable {

    /** "scalar" or "vector", for reports. */
    String name();

    int threads();

    boolean supports(TensorType type);

    /** {@code out[r] = W[r,:] · x} for every row r; {@code x} holds at least {@code cols} values. */
    void matvec(WeightMatrix w, float[] x, float[] out);

    /** {@code out[b][r] = W[r,:] · x[b]} for b < n: every weight row is read once for the whole batch. */
    void matmul(WeightMatrix w, float[][] x, float[][] out, int n);

    /** Row {@code row} of W as floats into {@code out[off..off+cols)} (embedding lookup). */
    void row(WeightMatrix w, int row, float[] out, int off);

    /** {@code a[aOff..aOff+n) · b[bOff..bOff+n)}. */
    float dot(float[] a, int aOff, float[] b, int bOff, int n);

    /** {@code y[yOff+i] += a * x[xOff+i]} for i < n. */
    void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n);

    /** Runs {@code body} over ranges covering [0, count), about {@code grain} each, on the kernels' threads. */
    void parallelFor(int count, int grain, RangeBody body);

    /** A piece of parallel work: indices [from, to). */
    @FunctionalInterface
    interface RangeBody {
        void run(int from, int to);
    }

    /** Stops the worker threads. */
    @Override
    void close();

    /** The plain-Java reference: one element at a time, exact float accumulation order per row. */
    static Kernels scalar(int threads) {
        return new ScalarKernels(threads);
    }

    /** The Vector API kernels (jdk.incubator.vector), the fast path. */
    static Kernels vector(int threads) {
        return new VectorKernels(threads);
    }

    /** Threads to use when the user does not say: every available core. */
    static int defaultThreads() {
        return Runtime.getRuntime().availableProcessors();
    }
}
