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
        for (boolean unsigned : new boolean[] {false, true}) {
            int rows = 6, k = 200, n = 150;
            float[] xq = new float[rows * k];
            for (int i = 0; i < xq.length; i++) xq[i] = rnd.nextInt(256) - 100;
            MemorySegment w = MemorySegment.ofArray(new byte[k * n]);
            for (int i = 0; i < k * n; i++) w.set(ValueLayout.JAVA_BYTE, i, (byte) rnd.nextInt(256));
            float[] zp = new float[n];
            for (int i = 0; i < n; i++) zp[i] = unsigned ? 120 + rnd.nextInt(16) : rnd.nextInt(5) - 2;
            float[] a = new float[rows * n], b = new float[rows * n];
            scalar.gemmInt8(xq, rows, k, w, unsigned, zp, n, a, 0, n);
            vector.gemmInt8(xq, rows, k, w, unsigned, zp, n, b, 0, n);
            assertThat(b).containsExactly(a);
        }
    }

    @Test
    void attentionAndGeluAgree() {
        int h = 96, hd = 32, len = 19, start = 3;
        float[] q = floats((start + len) * h), k = floats((start + len) * h), v = floats((start + len) * h);
        float[] a = new float[q.length], b = new float[q.length];
        for (int col = 0; col < h; col += hd) {
            scalar.attention(q, k, v, a, h, start, len, col, hd, 0.17f);
            vector.attention(q, k, v, b, h, start, len, col, hd, 0.17f);
        }
        close(a, b, 1e-5f);
        float[] x = floats(1000);
        for (int i = 0; i < 50; i++) x[i] *= 6;
        float[] y = x.clone();
        scalar.gelu(x, 0, x.length);
        vector.gelu(y, 0, y.length);
        close(x, y, 1e-6f);
    }

    @Test
    void erfIsAccurate() {
        // erf(0.5) = 0.5204998778, erf(1) = 0.8427007929, erf(2) = 0.9953222650
        assertThat(ScalarBertKernels.erf(0.5)).isCloseTo(0.5204998778, within(2e-7));
        assertThat(ScalarBertKernels.erf(1)).isCloseTo(0.8427007929, within(2e-7));
        assertThat(ScalarBertKernels.erf(-2)).isCloseTo(-0.9953222650, within(2e-7));
        assertThat(ScalarBertKernels.erf(0)).isCloseTo(0, within(2e-7));
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
