package dev.weightclass.runtime.bert;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The Vector API kernels against the scalar reference, on shapes that exercise every tile and tail. */
class BertKernelsTest {
    private final BertKernels scalar = BertKernels.scalar(), vector = BertKernels.vector();
    private final Random rnd = new Random(7);

    private float[] floats(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }

    private static MemorySegment segment(float[] a) {
        MemorySegment s = MemorySegment.ofArray(new byte[a.length * 4]);
        for (int i = 0; i < a.length; i++) s.setAtIndex(ScalarBertKernels.F32, i, a[i]);
        return s;
    }

    private static void close(float[] want, float[] got, float tol) {
        for (int i = 0; i < want.length; i++) assertThat(got[i]).as("element " + i).isCloseTo(want[i], within(tol * (1 + Math.abs(want[i]))));
    }

    @Test
    void floatProductsAgree() {
        for (int[] shape : new int[][] {{7, 100, 150}, {1, 384, 384}, {9, 64, 96}, {4, 33, 17}}) {
            int rows = shape[0], k = shape[1], n = shape[2];
            float[] x = floats(rows * k);
            MemorySegment w = segment(floats(k * n));
            float[] a = new float[rows * n], b = new float[rows * n];
            scalar.gemmInOut(x, rows, k, w, n, a, 0, n);
            vector.gemmInOut(x, rows, k, w, n, b, 0, n);
            close(a, b, 1e-4f);
            scalar.gemmOutIn(x, rows, k, w, n, a, 0, n);
            vector.gemmOutIn(x, rows, k, w, n, b, 0, n);
            close(a, b, 1e-4f);
        }
    }

    @Test
    void integerProductIsExact() {
        // up to 12 rows widened in registers (padded to 12), more through a panel in blocks of 6
        // with the 1-5 left over padded to 4 or 6
        for (int rows : new int[] {1, 5, 6, 7, 12, 13, 17, 30}) {
            for (boolean unsigned : new boolean[] {false, true}) {
                int k = 200, n = 150;
                float[] xq = new float[rows * k];
                for (int i = 0; i < xq.length; i++) xq[i] = rnd.nextInt(256) - 100;
                MemorySegment w = MemorySegment.ofArray(new byte[k * n]);
                for (int i = 0; i < k * n; i++) w.set(ValueLayout.JAVA_BYTE, i, (byte) rnd.nextInt(256));
                float[] zp = new float[n];
                for (int i = 0; i < n; i++) zp[i] = unsigned ? 120 + rnd.nextInt(16) : rnd.nextInt(5) - 2;
                float[] rowScale = floats(rows), colScale = floats(n), bias = unsigned ? null : floats(n);
                float[] a = new float[rows * n], b = new float[rows * n];
                MemorySegment packed = Int8Linear.pack(w, k, n);
                scalar.gemmInt8(xq, rows, k, w, packed, unsigned, zp, n, rowScale, colScale, bias, a, 0, n);
                vector.gemmInt8(xq, rows, k, w, packed, unsigned, zp, n, rowScale, colScale, bias, b, 0, n);
                assertThat(b).as(rows + " rows").containsExactly(a);
                // the scaling is the last step: unit scales and no bias leave the exact integer sums
                float[] ones = new float[Math.max(rows, n)];
                java.util.Arrays.fill(ones, 1f);
                vector.gemmInt8(xq, rows, k, w, packed, unsigned, zp, n, ones, ones, null, b, 0, n);
                long sum = 0;
                for (int i = 0; i < k; i++) {
                    byte v = w.get(ValueLayout.JAVA_BYTE, (long) i * n + 7);
                    sum += (long) xq[(rows - 1) * k + i] * ((unsigned ? v & 0xFF : v) - (int) zp[7]);
                }
                assertThat(b[(rows - 1) * n + 7]).isEqualTo((float) sum);
            }
        }
    }

    @Test
    void packedWeightsHoldEachWholeTileContiguously() {
        int k = 5, n = 150;                                   // two whole tiles of 64 columns, 22 left over
        MemorySegment w = MemorySegment.ofArray(new byte[k * n]);
        for (int i = 0; i < k * n; i++) w.set(ValueLayout.JAVA_BYTE, i, (byte) rnd.nextInt(256));
        MemorySegment packed = Int8Linear.pack(w, k, n);
        assertThat(packed.byteSize()).isEqualTo(2L * 64 * k);
        for (int i = 0; i < k; i++) {
            for (int c = 0; c < 128; c++) {
                assertThat(packed.get(ValueLayout.JAVA_BYTE, Int8Linear.packedOffset(c, k) + (long) i * Int8Linear.TILE))
                        .isEqualTo(w.get(ValueLayout.JAVA_BYTE, (long) i * n + c));
            }
        }
        assertThat(packed.get(ValueLayout.JAVA_BYTE, 64L * k + 1)).isEqualTo(w.get(ValueLayout.JAVA_BYTE, 65));
    }

    @Test
    void layerNormIsIdentical() {
        // widths with and without a leftover 4-float packet and loose elements; 3 is below a packet pair
        for (int h : new int[] {3, 12, 19, 37, 384}) {
            float[] x = floats(5 * h), gamma = floats(h), beta = floats(h);
            for (int i = 0; i < h; i++) x[i] = x[i] * 1000 + 3e4f;     // a large mean: the order of the sums shows
            float[] a = x.clone(), b = x.clone();
            scalar.layerNorm(a, 0, 5, gamma, beta, 1e-12f);
            vector.layerNorm(b, 1, 5, gamma, beta, 1e-12f);
            vector.layerNorm(b, 0, 1, gamma, beta, 1e-12f);
            assertThat(b).as("width " + h).containsExactly(a);
            assertThat(a).isNotEqualTo(x);
        }
    }

    @Test
    void quantizationKernelsAgreeWithTheReference() {
        for (int len : new int[] {1, 15, 16, 384, 1000}) {
            float[] x = floats(len);
            for (int i = 0; i < len; i++) x[i] *= 7;
            if (len > 1) x[len / 2] = 0.5f * x[len - 1];   // a value on a rounding boundary is likely somewhere
            float[] expected = new float[len];
            float scale = DynamicQuantization.quantize(x, 0, len, expected);
            for (BertKernels kernels : new BertKernels[] {scalar, vector}) {
                float[] range = new float[2];
                kernels.range(x, 0, len, range);
                assertThat(DynamicQuantization.scale(range[0], range[1])).isEqualTo(scale);
                float[] q = new float[len];
                kernels.quantize(x, 0, len, scale, DynamicQuantization.zeroPoint(range[0], scale), q);
                assertThat(q).containsExactly(expected);
            }
        }
    }

    @Test
    void sentencesAreQuantizedOneByOneAndOnlyOnce() {
        int width = 40;
        int[] starts = {0, 3, 4, 9};
        float[] x = floats(9 * width);
        for (int i = 3 * width; i < 4 * width; i++) x[i] *= 50;    // one sentence with a much wider range
        LinearInput in = new LinearInput(x, starts, 3, width, null);
        try (Parallel parallel = new Parallel(2)) {
            LinearInput.Quantized q = in.quantized(vector, parallel);
            assertThat(in.quantized(vector, parallel)).isSameAs(q);
            for (int s = 0; s < 3; s++) {
                float[] expected = new float[x.length];
                float scale = DynamicQuantization.quantize(x, starts[s] * width, starts[s + 1] * width, expected);
                for (int r = starts[s]; r < starts[s + 1]; r++) {
                    assertThat(q.rowScale()[r]).isEqualTo(scale);
                    assertThat(java.util.Arrays.copyOfRange(q.q(), r * width, (r + 1) * width))
                            .containsExactly(java.util.Arrays.copyOfRange(expected, r * width, (r + 1) * width));
                }
            }
        }
    }

    /** Both follow ONNX Runtime's operation order, so they agree bit for bit, not just closely. */
    @Test
    void attentionAndGeluAreIdentical() {
        int h = 96, hd = 32, len = 19, start = 3;
        float[] q = floats((start + len) * h), k = floats((start + len) * h), v = floats((start + len) * h);
        float[] a = new float[q.length], b = new float[q.length];
        for (int col = 0; col < h; col += hd) {
            scalar.attention(q, k, v, a, h, start, len, col, hd, 5.656854f);
            vector.attention(q, k, v, b, h, start, len, col, hd, 5.656854f);
        }
        assertThat(b).containsExactly(a);
        // scores hundreds apart: exponentials that underflow to subnormals and zero, rounded as the reference
        for (int i = 0; i < q.length; i++) q[i] *= 40;
        for (int col = 0; col < h; col += hd) {
            scalar.attention(q, k, v, a, h, start, len, col, hd, 5.656854f);
            vector.attention(q, k, v, b, h, start, len, col, hd, 5.656854f);
        }
        assertThat(b).containsExactly(a);
        // a head width that is not a whole number of vectors, and too few queries for a block of 4
        for (int[] shape : new int[][] {{100, 20, 9}, {40, 20, 3}}) {
            int hh = shape[0], d = shape[1], n = shape[2];
            float[] q2 = floats(n * hh), k2 = floats(n * hh), v2 = floats(n * hh);
            float[] a2 = new float[q2.length], b2 = new float[q2.length];
            for (int col = 0; col + d <= hh; col += d) {
                scalar.attention(q2, k2, v2, a2, hh, 0, n, col, d, 4.472136f);
                vector.attention(q2, k2, v2, b2, hh, 0, n, col, d, 4.472136f);
            }
            assertThat(b2).containsExactly(a2);
        }
        float[] x = floats(1000);
        for (int i = 0; i < 50; i++) x[i] *= 6;
        x[50] = 0.921875f;                               // the erf split point, both sides
        x[51] = -x[50];
        x[52] = Math.nextDown(x[50]);
        x[53] = 40f;
        x[54] = -0f;
        float[] y = x.clone();
        scalar.gelu(x, 0, x.length);
        vector.gelu(y, 0, y.length);
        assertThat(y).containsExactly(x);
    }

    @Test
    void erfAndExpAreAccurate() {
        for (double t = -5; t <= 5; t += 0.01) {
            double want = erf(t);
            assertThat((double) OrtMath.erf((float) t)).as("erf(%s)", t).isCloseTo(want, within(3e-7));
        }
        assertThat(OrtMath.erf(-0f)).isEqualTo(-0f);
        assertThat(OrtMath.erf(100f)).isEqualTo(1f);
        for (double t = -100; t <= 0; t += 0.07) {
            double want = Math.exp((float) t);
            assertThat((double) OrtMath.exp((float) t)).as("exp(%s)", t).isCloseTo(want, within(3e-7 * want + 1e-44));
        }
    }

    /** erf to double precision (series below 3, continued fraction of erfc above). */
    private static double erf(double x) {
        double a = Math.abs(x), r;
        if (a < 3) {
            double term = a, sum = a;
            for (int n = 1; n < 200; n++) {
                term *= -a * a / n;
                sum += term / (2 * n + 1);
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            double f = a;
            for (int n = 60; n >= 1; n--) f = a + n / 2.0 / f;
            r = 1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
        }
        return Math.copySign(r, x);
    }

    @Test
    void sumsInOnnxRuntimeOrder() {
        // two 4-lane accumulators over alternate packets, then (l0 + l2) + (l1 + l3): the three ones
        // meet before they reach 2^24 and survive as 2^24 + 4 (3 + 2^24 rounded to even)
        float[] y = {1f, 16777216f, 1f, 0f, 1f, 0f, 0f, 0f};
        assertThat(OrtMath.sum(y, 0, 8)).isEqualTo(16777220f);
        float left = 0;
        for (float f : y) left += f;
        assertThat(left).isEqualTo(16777216f);                 // left to right loses all three ones
    }

    @Test
    void dynamicQuantizationRoundsAsOnnxRuntime() {
        // range [-1, 3]: scale 4/255, zero point rint(255/4) = 64; x / scale: -1 -> -63.75 -> -64
        float[] x = {-1f, 0f, 3f, 0.5f};
        float[] q = new float[4];
        float scale = DynamicQuantization.quantize(x, 0, 4, q);
        assertThat(scale).isEqualTo(4f / 255f);
        assertThat(q).containsExactly(-64f, 0f, 191f, 32f);   // q - zp; 3/scale = 191.25 -> 191 (255 - 64 = 191 max)
        float[] zeros = new float[3];
        assertThat(DynamicQuantization.quantize(zeros, 0, 3, new float[3])).isEqualTo(1f);
    }
}
