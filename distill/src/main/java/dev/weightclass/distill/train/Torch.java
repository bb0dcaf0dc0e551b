package dev.weightclass.distill.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;

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
