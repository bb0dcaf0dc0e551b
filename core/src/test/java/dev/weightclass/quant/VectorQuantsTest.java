package dev.weightclass.quant;

import dev.weightclass.tensor.TensorType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The Vector API kernels against the scalar reference: same bytes, same floats. */
class VectorQuantsTest {

    @BeforeAll
    static void vectorKernelsRunHere() {
        assumeTrue(Quantizers.vectorAvailable(), "no usable Vector API species on this machine");
    }

    /** Rows that hit the edge cases: ties at .5, equal +/- maxima, zero blocks, tiny and huge values. */
    static float[] nastyRow(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            int kind = r.nextInt(10);
            x[i] = switch (kind) {
                case 0 -> (r.nextInt(255) - 127) * 0.5f;          // many exact halves after scaling
                case 1 -> 0f;
                case 2 -> (float) (r.nextGaussian() * 1e-6);
                case 3 -> (float) (r.nextGaussian() * 1e4);
                default -> (float) r.nextGaussian();
            };
        }
        for (int i = 32; i < 64 && i < n; i++) x[i] = 0f;                   // an all-zero block
        if (n >= 96) { x[64] = 3f; x[70] = -3f; x[80] = 3f; }              // magnitude ties, first wins
        if (n >= 128) { for (int i = 96; i < 128; i++) x[i] = (i - 112) * 0.25f; } // exact grid
        if (n >= 192) {
            for (int i = 128; i < 160; i++) x[i] = -1.5f;                            // a flat sub-block
            for (int i = 160; i < 192; i++) x[i] = 1 + Math.abs(x[i]);               // all positive: min clamps to 0
        }
        return x;
    }

    @ParameterizedTest
    @EnumSource(names = {"Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    void sameBytesSameFloats(TensorType type) {
        RowQuantizer scalar = Quantizers.scalar(type).orElseThrow();
        RowQuantizer vector = Quantizers.vector(type).orElseThrow();
        int trials = type.blockSize() == 256 ? 40 : 200;
        for (int seed = 0; seed < trials; seed++) {
            int qk = type.blockSize();
            int n = qk * (1 + seed % (qk == 256 ? 5 : 40));
            float[] x = seed % 2 == 0 ? nastyRow(n, seed) : RoundTripTest.gaussian(n, seed);
            byte[] a = new byte[scalar.rowBytes(n)], b = new byte[a.length];
            scalar.quantize(x, 0, n, a, 0);
            vector.quantize(x, 0, n, b, 0);
            assertThat(b).as("seed %d", seed).isEqualTo(a);

            float[] ya = new float[n], yb = new float[n];
            scalar.dequantize(a, 0, ya, 0, n);
            vector.dequantize(a, 0, yb, 0, n);
            assertThat(yb).as("seed %d", seed).containsExactly(ya);

            float[] act = RoundTripTest.gaussian(n, seed + 1000);
            float ds = scalar.dot(a, 0, act, 0, n), dv = vector.dot(a, 0, act, 0, n);
            double mag = 0;
            for (int i = 0; i < n; i++) mag += Math.abs(ya[i] * act[i]);
            assertThat((double) dv).as("seed %d", seed).isCloseTo(ds, within(1e-5 * mag + 1e-30));
        }
    }
}
