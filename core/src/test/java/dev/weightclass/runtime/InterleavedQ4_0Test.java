package dev.weightclass.runtime;

import dev.weightclass.tensor.TensorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class InterleavedQ4_0Test {

    /** A Q4_0 weight with scales of both signs, zero and subnormal scales, and every nibble value. */
    static WeightMatrix weight(int rows, int cols, long seed) {
        Random rnd = new Random(seed);
        ByteBuffer buf = ByteBuffer.allocate((int) (rows * TensorType.Q4_0.bytesFor(cols))).order(ByteOrder.LITTLE_ENDIAN);
        for (int r = 0; r < rows; r++) {
            for (int b = 0; b < cols / 32; b++) {
                float d = switch (rnd.nextInt(20)) {
                    case 0 -> 0f;
                    case 1 -> 3e-7f;   // an F16 subnormal
                    default -> (rnd.nextBoolean() ? 1 : -1) * (0.001f + rnd.nextFloat() * 0.05f);
                };
                buf.putShort(Float.floatToFloat16(d));
                for (int j = 0; j < 16; j++) buf.put((byte) rnd.nextInt(256));
            }
        }
        return new WeightMatrix("w", TensorType.Q4_0, rows, cols, MemorySegment.ofArray(buf.array()));
    }

    static float[] input(int cols, long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[cols];
        for (int i = 0; i < cols; i++) x[i] = (float) rnd.nextGaussian() * (i % 37 == 0 ? 20 : 1);
        return x;
    }

    @ParameterizedTest
    @CsvSource({"32, 32, 1", "96, 256, 1", "103, 256, 2", "256, 2048, 2", "45, 64, 3"})
    void productsAreBitIdenticalToTheScalarReference(int rows, int cols, int threads) {
        assumeTrue(InterleavedQ4_0.available(), "no 512-bit vectors on this machine: the interleaved kernel is not used");
        WeightMatrix w = weight(rows, cols, rows * 31L + cols);
        float[] x = input(cols, cols);
        float[] expected = new float[rows], actual = new float[rows];
        try (Kernels scalar = Kernels.scalar(1); Kernels vector = Kernels.vector(threads)) {
            WeightMatrix p = vector.prepare(w);
            assertThat(p.interleaved()).isNotNull();
            assertThat(p.interleaved().byteSize()).isEqualTo(rows / 32 * 32 * TensorType.Q4_0.bytesFor(cols));
            // the extreme activation (every quant +-127) too
            float[] big = new float[cols];
            for (int i = 0; i < cols; i++) big[i] = i % 2 == 0 ? 1f : -1f;
            for (float[] in : new float[][] {x, big}) {
                scalar.matvec(w, in, expected);
                vector.matvec(p, in, actual);
                int grouped = rows / 32 * 32;
                assertThat(java.util.Arrays.copyOf(actual, grouped)).containsExactly(java.util.Arrays.copyOf(expected, grouped));
                // rows past the last whole group take the ordinary vector kernel (lane sums: other rounding)
                for (int r = grouped; r < rows; r++) {
                    assertThat(actual[r]).isCloseTo(expected[r], org.assertj.core.data.Offset.offset(1e-4f * (1 + Math.abs(expected[r]))));
                }
            }
        }
    }

    @Test
    void onlyQ4_0WithQuantizedInputsIsInterleaved() {
        WeightMatrix w = weight(64, 64, 5);
        try (Kernels vector = Kernels.vector(1, Kernels.Inputs.F32); Kernels scalar = Kernels.scalar(1)) {
            assertThat(vector.prepare(w).interleaved()).isNull();
            assertThat(scalar.prepare(w)).isSameAs(w);
        }
        WeightMatrix small = weight(16, 64, 6);
        try (Kernels vector = Kernels.vector(1)) {
            assertThat(vector.prepare(small).interleaved()).isNull();
        }
    }

    @Test
    void laneOrderPutsRowsInOrderAfterTheEvenOddSplit() {
        for (int r = 0; r < 32; r++) {
            int lane = InterleavedQ4_0.lane(r);
            assertThat(lane % 2 == 0 ? lane / 2 : 16 + lane / 2).isEqualTo(r);
        }
    }
}
