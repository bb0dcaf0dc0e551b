package dev.weightclass.quant.bench;

import dev.weightclass.quant.Quantizers;
import dev.weightclass.quant.RowQuantizer;
import dev.weightclass.tensor.TensorType;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Row kernels, scalar reference vs Vector API, one 4096-element row (16 KiB of F32 input) per
 * operation. Not part of the test run; see docs/BENCHMARKS.md for how to run and the figures.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class QuantizeBenchmark {

    @Param({"Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    public String type;

    @Param({"scalar", "vector"})
    public String impl;

    static final int N = 4096;
    float[] x = new float[N];
    float[] y = new float[N];
    float[] act = new float[N];
    byte[] q;
    RowQuantizer codec;

    @Setup
    public void setup() {
        TensorType t = TensorType.valueOf(type);
        codec = impl.equals("scalar") ? Quantizers.scalar(t).orElseThrow()
                : Quantizers.vector(t).orElse(Quantizers.forType(t));
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < N; i++) {
            x[i] = (float) (r.nextGaussian() * 0.02);
            act[i] = (float) r.nextGaussian();
        }
        q = new byte[codec.rowBytes(N)];
        codec.quantize(x, 0, N, q, 0);
    }

    @Benchmark
    public byte[] quantize() {
        codec.quantize(x, 0, N, q, 0);
        return q;
    }

    @Benchmark
    public float[] dequantize() {
        codec.dequantize(q, 0, y, 0, N);
        return y;
    }

    @Benchmark
    public float dot() {
        return codec.dot(q, 0, act, 0, N);
    }
}
