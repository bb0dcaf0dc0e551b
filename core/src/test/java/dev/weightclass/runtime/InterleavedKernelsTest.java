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

/** The row-interleaved generation kernels ({@link InterleavedQ4_0}, {@link InterleavedQ8_0}) against the scalar reference. */
class InterleavedKernelsTest {

    /** A Q4_0 or Q8_0 weight with scales of both signs, zero and subnormal scales, and every quant value (-128 too). */
    static WeightMatrix weight(TensorType type, int rows, int cols, long seed) {
        Random rnd = new Random(seed);
        ByteBuffer buf = ByteBuffer.allocate((int) (rows * type.bytesFor(cols))).order(ByteOrder.LITTLE_ENDIAN);
        for (int r = 0; r < rows; r++) {
            for (int b = 0; b < cols / 32; b++) {
                float d = switch (rnd.nextInt(20)) {
                    case 0 -> 0f;
                    case 1 -> 3e-7f;   // an F16 subnormal
                    default -> (rnd.nextBoolean() ? 1 : -1) * (0.001f + rnd.nextFloat() * 0.05f);
                };
                buf.putShort(Float.floatToFloat16(d));
                for (int j = 0; j < type.blockBytes() - 2; j++) buf.put((byte) rnd.nextInt(256));
            }
        }
        return new WeightMatrix("w", type, rows, cols, MemorySegment.ofArray(buf.array()));
    }

    static float[] input(int cols, long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[cols];
        for (int i = 0; i < cols; i++) x[i] = (float) rnd.nextGaussian() * (i % 37 == 0 ? 20 : 1);
        return x;
    }

    @ParameterizedTest
    @CsvSource({"Q4_0, 32, 32, 1", "Q4_0, 96, 256, 1", "Q4_0, 103, 256, 2", "Q4_0, 256, 2048, 2", "Q4_0, 45, 64, 3",
            "Q8_0, 64, 32, 1", "Q8_0, 128, 256, 1", "Q8_0, 200, 256, 2", "Q8_0, 256, 2048, 2", "Q8_0, 70, 64, 3"})
    void productsAreBitIdenticalToTheScalarReference(TensorType type, int rows, int cols, int threads) {
        assumeTrue(InterleavedQ4_0.available(), "no 512-bit vectors on this machine: the interleaved kernels are not used");
        WeightMatrix w = weight(type, rows, cols, rows * 31L + cols);
        int group = RowGroups.rowsPerGroup(type);
        float[] x = input(cols, cols);
        float[] expected = new float[rows], actual = new float[rows];
        try (Kernels scalar = Kernels.scalar(1); Kernels vector = Kernels.vector(threads)) {
            WeightMatrix p = vector.prepare(w);
            assertThat(p.interleaved()).isNotNull();
            assertThat(p.interleaved().byteSize()).isEqualTo(rows / group * group * type.bytesFor(cols));
            // the extreme activation (every quant +-127) too
            float[] big = new float[cols];
            for (int i = 0; i < cols; i++) big[i] = i % 2 == 0 ? 1f : -1f;
            for (float[] in : new float[][] {x, big}) {
                scalar.matvec(w, in, expected);
                vector.matvec(p, in, actual);
                int grouped = rows / group * group;
                assertThat(java.util.Arrays.copyOf(actual, grouped)).containsExactly(java.util.Arrays.copyOf(expected, grouped));
                // rows past the last whole group take the ordinary vector kernel (lane sums: other rounding)
                for (int r = grouped; r < rows; r++) {
                    assertThat(actual[r]).isCloseTo(expected[r], org.assertj.core.data.Offset.offset(1e-4f * (1 + Math.abs(expected[r]))));
                }
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"Q4_0, 96, 256, 1, 7", "Q4_0, 103, 64, 2, 9", "Q8_0, 128, 256, 2, 6", "Q8_0, 200, 64, 1, 5"})
    void batchedProductsEqualOneTokenAtATime(TensorType type, int rows, int cols, int threads, int n) {
        assumeTrue(InterleavedQ4_0.available(), "no 512-bit vectors on this machine: the interleaved kernels are not used");
        WeightMatrix w = weight(type, rows, cols, 77);
        float[][] x = new float[n][], batched = new float[n][rows];
        for (int t = 0; t < n; t++) x[t] = input(cols, 100 + t);
        try (Kernels vector = Kernels.vector(threads)) {
            WeightMatrix p = vector.prepare(w);
            vector.matmul(p, x, batched, n);
            int grouped = rows / RowGroups.rowsPerGroup(type) * RowGroups.rowsPerGroup(type);
            for (int t = 0; t < n; t++) {
                float[] single = new float[rows];
                vector.matvec(p, x[t], single);
                assertThat(java.util.Arrays.copyOf(batched[t], grouped)).containsExactly(java.util.Arrays.copyOf(single, grouped));
                for (int r = 0; r < rows; r++) {
                    assertThat(batched[t][r]).isCloseTo(single[r], org.assertj.core.data.Offset.offset(1e-4f * (1 + Math.abs(single[r]))));
                }
            }
        }
    }

    @Test
    void onlyQ4_0AndQ8_0WithQuantizedInputsAreInterleaved() {
        WeightMatrix w = weight(TensorType.Q4_0, 64, 64, 5);
        try (Kernels vector = Kernels.vector(1, Kernels.Inputs.F32); Kernels scalar = Kernels.scalar(1)) {
            assertThat(vector.prepare(w).interleaved()).isNull();
            assertThat(scalar.prepare(w)).isSameAs(w);
        }
        try (Kernels vector = Kernels.vector(1)) {
            assertThat(vector.prepare(weight(TensorType.Q4_0, 16, 64, 6)).interleaved()).isNull();
            assertThat(vector.prepare(weight(TensorType.Q8_0, 32, 64, 6)).interleaved()).isNull();
            WeightMatrix q41 = new WeightMatrix("w", TensorType.Q4_1, 64, 32, MemorySegment.ofArray(new byte[64 * 20]));
            assertThat(vector.prepare(q41)).isSameAs(q41);
        }
    }

    @Test
    void layoutsPutEveryRowInItsOwnPlace() {
        java.util.Set<Integer> q4 = new java.util.HashSet<>(), q8 = new java.util.HashSet<>();
        for (int r = 0; r < 32; r++) {
            int lane = InterleavedQ4_0.lane(r);
            assertThat(lane % 2 == 0 ? lane / 2 : 16 + lane / 2).isEqualTo(r);
            q4.add(lane);
        }
        for (int r = 0; r < 64; r++) q8.add(InterleavedQ8_0.position(r));
        assertThat(q4).hasSize(32).allMatch(l -> l >= 0 && l < 32);
        assertThat(q8).hasSize(64).allMatch(l -> l >= 0 && l < 64);
    }
}
