package dev.weightclass.distill.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The PyTorch engine behind DJL, set up once per JVM: its thread pools sized for the machine (the
 * pool size also fixes the order of floating-point sums, so runs repeat), its INFO logging quiet.
 */
public final class Torch {
    private Torch() {}

    private static Engine engine;

    /** The engine with {@code threads} intra-op threads (the pool is created on first use; later calls resize it). */
    public static synchronized Engine engine(int threads) {
        if (threads <= 0) throw new IllegalArgumentException("threads must be positive");
        if (engine == null) {
            // DJL logs through SLF4J; weightclass's CLI binds slf4j-simple, which would print INFO lines.
            System.setProperty("org.slf4j.simpleLogger.log.ai.djl", "error");
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
            System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(threads));
            System.setProperty("ai.djl.offline", "true");
            engine = Engine.getEngine("PyTorch");
        }
        ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
        return engine;
    }

    /**
     * {@code v} as a float32 scalar tensor in memory PyTorch allocates (in {@code like}'s manager),
     * for arithmetic that autograd records: write {@code x.mul(Torch.scalar(x, 2f))}, never
     * {@code x.mul(2f)}. DJL turns a Java number into a tensor over a Java direct buffer, which
     * PyTorch does not own, and closes it at once; autograd keeps that operand for the backward
     * pass (mul, div, maximum save it), and once a garbage collection has freed the buffer the
     * backward reads freed memory: a NaN or a slightly wrong gradient, depending on GC timing.
     * The values are the same (DJL's scalar is a float32 0-d tensor too), so results do not change.
     */
    public static NDArray scalar(NDArray like, float v) {
        return like.getManager().full(new Shape(), v, DataType.FLOAT32);
    }

    /** A fresh root manager on the CPU. */
    public static NDManager manager(int threads) {
        return engine(threads).newBaseManager();
    }

    /**
     * Threads to use when the user does not say: half the cores, at most 4. Small models gain
     * little from intra-op threads, and on a busy 2-core machine a second OpenMP thread waiting
     * for a descheduled partner made steps 16x slower (measured; docs/DISTILLATION.md).
     */
    public static int defaultThreads() {
        return Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors() / 2));
    }
}
