package dev.weightclass.runtime;

import dev.weightclass.tensor.TensorType;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Matrix-vector products as generation runs them (one token, n = 1): a [256, 2048] weight in native
 * memory (like the mapped model file; 256 rows stay in a core's L2 cache, so this measures the
 * kernel, not the memory), the input converted per call as the runtime does (Q8_0 blocks for
 * Q8_0/Q4_0 weights, F32 for Q6_K), single thread, scalar reference vs Vector API (which reads the
 * row-interleaved copy {@link Kernels#prepare} makes of Q4_0/Q8_0 weights). Divide the
 * score by 256 for one row dot of 2048. Not part of the test run; docs/BENCHMARKS.md says how to
 * run it and holds the figures.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class RowDotBenchmark {
    static final int ROWS = 256, COLS = 2048;

    @Param({"Q8_0", "Q4_0", "Q6_K"})
    public String type;

    @Param({"scalar", "vector"})
    public String impl;

    Kernels kernels;
    WeightMatrix w;
    float[] x = new float[COLS];
    float[] out = new float[ROWS];
    Arena arena;

    @Setup
    public void setup() {
        KernelsTest.Sample s = KernelsTest.sample(TensorType.valueOf(type), ROWS, COLS, 1);
        arena = Arena.ofShared();
        MemorySegment native_ = arena.allocate(s.w().data().byteSize(), 64);
        native_.copyFrom(s.w().data());
        kernels = impl.equals("scalar") ? Kernels.scalar(1) : Kernels.vector(1);
        // as a loaded model holds it: Q4_0/Q8_0 get the vector kernels' row-interleaved copy
        w = kernels.prepare(new WeightMatrix("w", s.w().type(), ROWS, COLS, native_));
        Random r = new Random(2);
        for (int i = 0; i < COLS; i++) x[i] = (float) r.nextGaussian();
    }

    @TearDown(Level.Trial)
    public void close() {
        kernels.close();
        arena.close();
    }

    @Benchmark
    public float[] matvec() {
        kernels.matvec(w, x, out);
        return out;
    }
}
