package dev.weightclass.runtime;

import dev.weightclass.tensor.TensorType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class KernelsTest {
    static final Kernels SCALAR = Kernels.scalar(1);
    static final Kernels VECTOR = Kernels.vector(2);

    @AfterAll
    static void close() {
        SCALAR.close();
        VECTOR.close();
    }

    /** A random [rows, cols] weight of the given type, plus the float values it encodes. */
    record Sample(WeightMatrix w, float[][] values) {}

    static Sample sample(TensorType type, int rows, int cols, long seed) {
        Random rnd = new Random(seed);
        ByteBuffer buf = ByteBuffer.allocate((int) (rows * type.bytesFor(cols))).order(ByteOrder.LITTLE_ENDIAN);
        float[][] v = new float[rows][cols];
        for (int r = 0; r < rows; r++) {
            switch (type) {
                case F32 -> {
                    for (int c = 0; c < cols; c++) buf.putFloat(v[r][c] = (float) rnd.nextGaussian());
                }
                case F16 -> {
                    for (int c = 0; c < cols; c++) {
                        short h = Float.floatToFloat16((float) rnd.nextGaussian() * (c % 7 == 0 ? 1e-5f : 1f));
                        buf.putShort(h);
                        v[r][c] = Float.float16ToFloat(h);
                    }
                }
                case BF16 -> {
                    for (int c = 0; c < cols; c++) {
                        int bits = Float.floatToIntBits((float) rnd.nextGaussian()) & 0xFFFF0000;
                        buf.putShort((short) (bits >>> 16));
                        v[r][c] = Float.intBitsToFloat(bits);
                    }
                }
                case Q8_0 -> {
                    for (int b = 0; b < cols / 32; b++) {
                        short dh = Float.floatToFloat16(0.01f + rnd.nextFloat() * 0.02f);
                        float d = Float.float16ToFloat(dh);
                        buf.putShort(dh);
                        for (int j = 0; j < 32; j++) {
                            int q = rnd.nextInt(255) - 127;
                            buf.put((byte) q);
                            v[r][32 * b + j] = d * q;
                        }
                    }
                }
                case Q4_0 -> {
                    for (int b = 0; b < cols / 32; b++) {
                        short dh = Float.floatToFloat16(-0.01f - rnd.nextFloat() * 0.02f);
                        float d = Float.float16ToFloat(dh);
                        buf.putShort(dh);
                        for (int j = 0; j < 16; j++) {
                            int lo = rnd.nextInt(16), hi = rnd.nextInt(16);
                            buf.put((byte) (lo | hi << 4));
                            v[r][32 * b + j] = d * (lo - 8);
                            v[r][32 * b + 16 + j] = d * (hi - 8);
                        }
                    }
                }
                default -> throw new IllegalArgumentException(type.toString());
            }
        }
        return new Sample(new WeightMatrix("w", type, rows, cols, MemorySegment.ofArray(buf.array())), v);
    }

    static float[] vec(int n, Random rnd) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rnd.nextGaussian();
        return x;
    }

    @ParameterizedTest
    @CsvSource({"F32,37,172", "F32,64,64", "F16,37,172", "F16,130,256", "BF16,33,172", "Q8_0,37,64", "Q8_0,9,256",
            "Q4_0,37,64", "Q4_0,13,160"})
    void rowsDecodeToTheEncodedValues(TensorType type, int rows, int cols) {
        Sample s = sample(type, rows, cols, 1);
        float[] a = new float[cols + 3], b = new float[cols + 3];
        for (int r = 0; r < rows; r++) {
            SCALAR.row(s.w(), r, a, 3);
            VECTOR.row(s.w(), r, b, 3);
            for (int c = 0; c < cols; c++) {
                assertThat(a[3 + c]).isEqualTo(s.values()[r][c]);
                assertThat(b[3 + c]).isEqualTo(s.values()[r][c]);
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"F32,37,172", "F32,300,64", "F16,37,172", "F16,130,256", "BF16,33,172", "Q8_0,37,64",
            "Q8_0,300,256", "Q4_0,37,64", "Q4_0,130,160"})
    void vectorAndScalarProductsAgreeWithDoublePrecision(TensorType type, int rows, int cols) {
        Sample s = sample(type, rows, cols, 2);
        Random rnd = new Random(3);
        int n = 7;
        float[][] x = new float[n][], outS = new float[n][rows], outV = new float[n][rows];
        for (int b = 0; b < n; b++) x[b] = vec(cols, rnd);
        float[] mvS = new float[rows], mvV = new float[rows];
        SCALAR.matvec(s.w(), x[0], mvS);
        VECTOR.matvec(s.w(), x[0], mvV);
        SCALAR.matmul(s.w(), x, outS, n);
        VECTOR.matmul(s.w(), x, outV, n);
        for (int r = 0; r < rows; r++) {
            double exact = 0, mag = 0;
            for (int c = 0; c < cols; c++) {
                exact += (double) s.values()[r][c] * x[0][c];
                mag += Math.abs((double) s.values()[r][c] * x[0][c]);
            }
            double tol = 1e-5 * mag + 1e-7;
            assertThat((double) mvS[r]).isCloseTo(exact, within(tol));
            assertThat((double) mvV[r]).isCloseTo(exact, within(tol));
            assertThat(outS[0][r]).isEqualTo(mvS[r]);
            for (int b = 0; b < n; b++) assertThat(outV[b][r]).isCloseTo(outS[b][r], within((float) (1e-5 * mag + 1e-6)));
        }
    }

    @Test
    void floatHelpersMatch() {
        Random rnd = new Random(4);
        float[] a = vec(203, rnd), b = vec(203, rnd);
        assertThat(VECTOR.dot(a, 1, b, 2, 200)).isCloseTo(SCALAR.dot(a, 1, b, 2, 200), within(1e-3f));
        float[] y1 = b.clone(), y2 = b.clone();
        SCALAR.axpy(0.5f, a, 3, y1, 0, 199);
        VECTOR.axpy(0.5f, a, 3, y2, 0, 199);
        for (int i = 0; i < y1.length; i++) assertThat(y2[i]).isCloseTo(y1[i], within(1e-6f));
    }

    @Test
    void halfPrecisionSubnormalsAndSignsDecodeExactly() {
        ByteBuffer buf = ByteBuffer.allocate(2 * 64).order(ByteOrder.LITTLE_ENDIAN);
        short[] special = {0x0000, (short) 0x8000, 0x0001, (short) 0x8001, 0x03FF, 0x0400, 0x7BFF, (short) 0xFBFF, 0x3C00};
        for (int i = 0; i < 64; i++) buf.putShort(special[i % special.length]);
        WeightMatrix w = new WeightMatrix("h", TensorType.F16, 1, 64, MemorySegment.ofArray(buf.array()));
        float[] out = new float[64];
        VECTOR.row(w, 0, out, 0);
        for (int i = 0; i < 64; i++) {
            assertThat(Float.floatToIntBits(out[i])).isEqualTo(Float.floatToIntBits(Float.float16ToFloat(special[i % special.length])));
        }
    }
}
