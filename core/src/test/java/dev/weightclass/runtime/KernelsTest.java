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
    static final Kernels LLAMA_CPP = Kernels.llamaCpp(2);

    @AfterAll
    static void close() {
        SCALAR.close();
        VECTOR.close();
        LLAMA_CPP.close();
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
                default -> {
                    // Q4_1, Q5_0, Q5_1: the quantization library's encoding of random values
                    float[] f = vec(cols, rnd);
                    byte[] enc = new byte[(int) type.bytesFor(cols)];
                    dev.weightclass.quant.Quantizers.scalar(type).orElseThrow().quantize(f, 0, cols, enc, 0);
                    dev.weightclass.quant.Quantizers.scalar(type).orElseThrow().dequantize(enc, 0, v[r], 0, cols);
                    buf.put(enc);
                }
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
            "Q4_0,37,64", "Q4_0,13,160", "Q6_K,9,512", "Q4_K,9,256"})
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

    /** Per 32-block of a Q4_1/Q5_1 weight row: |m|, to bound the effect of Q8_1's rounded block sum. */
    static double minTermBound(Sample s, int r, QuantizedInput in) {
        if (s.w().type() != TensorType.Q4_1 && s.w().type() != TensorType.Q5_1) return 0;
        double bound = 0;
        long base = s.w().rowOffset(r);
        for (int b = 0; b < s.w().cols() / 32; b++) {
            float m = RowDecoder.f16(s.w().data(), base + (long) s.w().type().blockBytes() * b + 2);
            double sum = 0;
            for (int j = 0; j < 32; j++) sum += in.q[32 * b + j];
            bound += Math.abs(m) * Math.abs(in.d[b] * sum) * 2e-3;   // two F16 roundings of d * sum
        }
        return bound;
    }

    @ParameterizedTest
    @CsvSource({"F32,37,172", "F32,300,64", "F16,37,172", "F16,130,256", "BF16,33,172", "Q8_0,37,64",
            "Q8_0,300,256", "Q4_0,37,64", "Q4_0,130,160", "Q4_1,37,64", "Q4_1,33,256", "Q5_0,37,96", "Q5_1,37,96",
            "Q6_K,37,512", "Q4_K,9,256"})
    void vectorAndScalarProductsAgreeWithDoublePrecision(TensorType type, int rows, int cols) {
        Sample s = sample(type, rows, cols, 2);
        Random rnd = new Random(3);
        int n = 7;
        float[][] x = new float[n][], outS = new float[n][rows], outV = new float[n][rows];
        for (int b = 0; b < n; b++) x[b] = vec(cols, rnd);
        // the activation as the weight type multiplies it (F16/BF16-rounded, or Q8 blocks)
        QuantizedInput in = new QuantizedInput().set(QuantizedInput.Kind.of(type), x[0], cols, false);
        float[] mvS = new float[rows], mvV = new float[rows];
        SCALAR.matvec(s.w(), x[0], mvS);
        VECTOR.matvec(s.w(), x[0], mvV);
        SCALAR.matmul(s.w(), x, outS, n);
        VECTOR.matmul(s.w(), x, outV, n);
        // llama.cpp's operation order: another summation order, the same products
        float[] mvL = new float[rows];
        float[][] outL = new float[n][rows];
        LLAMA_CPP.matvec(s.w(), x[0], mvL);
        LLAMA_CPP.matmul(s.w(), x, outL, n);
        for (int r = 0; r < rows; r++) {
            double exact = 0, mag = 0;
            for (int c = 0; c < cols; c++) {
                exact += (double) s.values()[r][c] * in.values[c];
                mag += Math.abs((double) s.values()[r][c] * in.values[c]);
            }
            double tol = 1e-5 * mag + 1e-7 + minTermBound(s, r, in);
            assertThat((double) mvS[r]).isCloseTo(exact, within(tol));
            assertThat((double) mvV[r]).isCloseTo(exact, within(tol));
            assertThat((double) mvV[r]).isCloseTo(mvS[r], within(1e-5 * mag + 1e-7));
            assertThat(outS[0][r]).isEqualTo(mvS[r]);
            for (int b = 0; b < n; b++) assertThat(outV[b][r]).isCloseTo(outS[b][r], within((float) (tol + 1e-5 * mag)));
            assertThat((double) mvL[r]).isCloseTo(exact, within(tol));
            for (int b = 0; b < n; b++) assertThat(outL[b][r]).isCloseTo(outS[b][r], within((float) (tol + 1e-5 * mag)));
        }
    }

    @ParameterizedTest
    @CsvSource({"Q8_0,37,64", "Q4_0,9,96", "Q4_1,9,96", "Q5_0,9,96", "F16,9,96", "Q6_K,9,256"})
    void f32InputsKeepActivationsUnrounded(TensorType type, int rows, int cols) {
        Sample s = sample(type, rows, cols, 7);
        float[] x = vec(cols, new Random(8));
        float[] outS = new float[rows], outV = new float[rows];
        try (Kernels sc = Kernels.scalar(1, Kernels.Inputs.F32); Kernels ve = Kernels.vector(2, Kernels.Inputs.F32)) {
            sc.matvec(s.w(), x, outS);
            ve.matvec(s.w(), x, outV);
        }
        for (int r = 0; r < rows; r++) {
            double exact = 0, mag = 0;
            for (int c = 0; c < cols; c++) {
                exact += (double) s.values()[r][c] * x[c];
                mag += Math.abs((double) s.values()[r][c] * x[c]);
            }
            assertThat((double) outS[r]).isCloseTo(exact, within(1e-5 * mag + 1e-7));
            assertThat((double) outV[r]).isCloseTo(exact, within(1e-5 * mag + 1e-7));
        }
    }

    @ParameterizedTest
    @CsvSource({"Q8_0", "Q8_1"})
    void activationQuantizationVectorIsBitIdenticalAndFollowsGgml(QuantizedInput.Kind kind) {
        Random rnd = new Random(5);
        int n = 32 * 9;
        float[] x = vec(n, rnd);
        for (int j = 0; j < 32; j++) x[64 + j] = 0f;                    // an all-zero block
        for (int j = 0; j < 32; j++) x[128 + j] = (j - 16) * 0.5f;        // a block of repeated magnitudes
        QuantizedInput a = new QuantizedInput().set(kind, x, n, false);
        QuantizedInput b = new QuantizedInput().set(kind, x, n, true);
        for (int i = 0; i < n; i++) {
            assertThat(Float.floatToIntBits(b.q[i])).as("q[%d]", i).isEqualTo(Float.floatToIntBits(a.q[i]));
            assertThat(b.values[i]).isEqualTo(a.values[i]);
        }
        for (int blk = 0; blk < n / 32; blk++) {
            assertThat(b.d[blk]).isEqualTo(a.d[blk]);
            assertThat(b.s[blk]).isEqualTo(a.s[blk]);
            float amax = 0;
            int sum = 0, qmax = 0;
            for (int j = 0; j < 32; j++) {
                amax = Math.max(amax, Math.abs(x[32 * blk + j]));
                sum += (int) a.q[32 * blk + j];
                qmax = Math.max(qmax, Math.abs((int) a.q[32 * blk + j]));
                assertThat(a.q[32 * blk + j]).isEqualTo((float) Math.rint(a.q[32 * blk + j]));
            }
            assertThat(a.d[blk]).isEqualTo(Float.float16ToFloat(Float.floatToFloat16(amax / 127f)));
            assertThat(qmax).isEqualTo(amax == 0 ? 0 : 127);
            float expectS = kind == QuantizedInput.Kind.Q8_1 ? Float.float16ToFloat(Float.floatToFloat16(amax / 127f * sum)) : 0f;
            assertThat(a.s[blk]).isEqualTo(expectS);
        }
        // amax 127 makes the multiplier 1: ties round to even, as ggml's x86 quantizer (_mm256_round_ps) does
        float[] t = new float[32];
        t[0] = 127f;
        t[1] = 1.5f;
        t[2] = 2.5f;
        t[3] = -0.5f;
        QuantizedInput ties = new QuantizedInput().set(kind, t, 32, true);
        assertThat(ties.q[1]).isEqualTo(2f);
        assertThat(ties.q[2]).isEqualTo(2f);
        assertThat(Float.floatToIntBits(ties.q[3])).isEqualTo(Float.floatToIntBits(0f));
    }

    @Test
    void f16AndBf16InputsAreRoundedToNearestEven() {
        float[] x = {1 + 0x1p-11f, 1 + 3 * 0x1p-11f, 1 + 0x1p-8f, 1 + 3 * 0x1p-8f, Float.NaN};
        QuantizedInput h = new QuantizedInput().set(QuantizedInput.Kind.F16, x, 4, false);
        assertThat(h.values[0]).isEqualTo(1f);                 // tie -> even
        assertThat(h.values[1]).isEqualTo(1 + 4 * 0x1p-11f);  // tie -> even (up)
        QuantizedInput b = new QuantizedInput().set(QuantizedInput.Kind.BF16, x, 5, false);
        assertThat(b.values[2]).isEqualTo(1f);
        assertThat(b.values[3]).isEqualTo(1 + 4 * 0x1p-8f);
        assertThat(b.values[4]).isNaN();
    }

    @Test
    void halfPrecisionCacheProductsMatch() {
        Random rnd = new Random(6);
        float[] q = vec(150, rnd), y1 = vec(150, rnd), y2 = y1.clone();
        short[] h = new short[150];
        for (int i = 0; i < h.length; i++) h[i] = Float.floatToFloat16((float) rnd.nextGaussian());
        double exact = 0;
        for (int i = 0; i < 131; i++) exact += (double) q[i + 3] * Float.float16ToFloat(h[i + 7]);
        assertThat((double) SCALAR.dotF16(q, 3, h, 7, 131)).isCloseTo(exact, within(1e-4));
        assertThat((double) VECTOR.dotF16(q, 3, h, 7, 131)).isCloseTo(exact, within(1e-4));
        SCALAR.axpyF16(0.25f, h, 5, y1, 2, 140);
        VECTOR.axpyF16(0.25f, h, 5, y2, 2, 140);
        for (int i = 0; i < y1.length; i++) assertThat(y2[i]).isCloseTo(y1[i], within(1e-6f));
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
