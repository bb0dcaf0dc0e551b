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

    /**
     * True for the kernels that reproduce llama.cpp's CPU operation order ({@link #llamaCpp}); the
     * model then runs its other operations (RMSNorm, RoPE, attention, SwiGLU) in that order too.
     */
    default boolean llamaCppOrder() { return false; }

    boolean supports(TensorType type);

    /** {@code out[r] = W[r,:] · x} for every row r; {@code x} holds at least {@code cols} values. */
    void matvec(WeightMatrix w, float[] x, float[] out);

    /** {@code out[b][r] = W[r,:] · x[b]} for b < n: every weight row is read once for the whole batch. */
    void matmul(WeightMatrix w, float[][] x, float[][] out, int n);

    /**
     * The weight in the form these kernels multiply fastest. May copy its rows once into native
     * memory in another layout ({@link WeightMatrix#interleaved()}); the products stay the same.
     * Call it once per weight when a model is loaded, not per product.
     */
    default WeightMatrix prepare(WeightMatrix w) { return w; }

    /** Row {@code row} of W as floats into {@code out[off..off+cols)} (embedding lookup). */
    void row(WeightMatrix w, int row, float[] out, int off);

    /** {@code a[aOff..aOff+n) · b[bOff..bOff+n)}. */
    float dot(float[] a, int aOff, float[] b, int bOff, int n);

    /** {@code y[yOff+i] += a * x[xOff+i]} for i < n. */
    void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n);

    /** {@code a[aOff..aOff+n) · h[hOff..hOff+n)} where h holds IEEE half-precision bits (the F16 KV cache). */
    float dotF16(float[] a, int aOff, short[] h, int hOff, int n);

    /** {@code y[yOff+i] += a * h[hOff+i]} for i < n, h as half-precision bits. */
    void axpyF16(float a, short[] h, int hOff, float[] y, int yOff, int n);

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

    /** What a product's input (activation) is converted to before it meets the weight. */
    enum Inputs {
        /**
         * As llama.cpp's CPU backend does (ggml's vec_dot_type): Q8_0 blocks for Q8_0/Q4_0/Q5_0 weights,
         * Q8_1 for Q4_1/Q5_1, F16/BF16 rounding for F16/BF16 weights, F32 otherwise. The default:
         * perplexity and KL figures then compare with llama.cpp's.
         */
        LLAMA_CPP,
        /** Activations stay F32 for every weight type: reproduces a float reference implementation (numpy, PyTorch). */
        F32
    }

    /** The plain-Java reference: one element at a time, exact float accumulation order per row. */
    static Kernels scalar(int threads) {
        return new ScalarKernels(threads, Inputs.LLAMA_CPP);
    }

    static Kernels scalar(int threads, Inputs inputs) {
        return new ScalarKernels(threads, inputs);
    }

    /** The Vector API kernels (jdk.incubator.vector), the fast path. */
    static Kernels vector(int threads) {
        return new VectorKernels(threads, Inputs.LLAMA_CPP);
    }

    static Kernels vector(int threads, Inputs inputs) {
        return new VectorKernels(threads, inputs);
    }

    /**
     * Kernels that reproduce llama.cpp's CPU backend (AVX2/FMA build) operation by operation, so
     * perplexity and KL agree with llama-perplexity's to the printed digits. For evaluation: slower
     * than {@link #vector}.
     */
    static Kernels llamaCpp(int threads) {
        return new LlamaCppKernels(threads);
    }

    /** Threads to use when the user does not say: every available core. */
    static int defaultThreads() {
        return Runtime.getRuntime().availableProcessors();
    }
}
