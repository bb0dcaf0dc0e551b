package dev.weightclass.runtime.bert;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** One element at a time: the reference the vector kernels are tested against. */
final class ScalarBertKernels implements BertKernels {
    static final ScalarBertKernels INSTANCE = new ScalarBertKernels();
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Override
    public void gemmInOut(float[] x, int rows, int k, MemorySegment w, int n, float[] y, int n0, int n1) {
        for (int r = 0; r < rows; r++) {
            for (int c = n0; c < n1; c++) {
                float s = 0;
                for (int i = 0; i < k; i++) s += x[r * k + i] * w.get(F32, 4L * ((long) i * n + c));
                y[r * n + c] = s;
            }
        }
    }

    @Override
    public void gemmOutIn(float[] x, int rows, int k, MemorySegment w, int n, float[] y, int n0, int n1) {
        for (int r = 0; r < rows; r++) {
            for (int c = n0; c < n1; c++) {
                float s = 0;
                for (int i = 0; i < k; i++) s += x[r * k + i] * w.get(F32, 4L * ((long) c * k + i));
                y[r * n + c] = s;
            }
        }
    }

    @Override
    public void gemmInt8(float[] xq, int rows, int k, MemorySegment w, boolean unsigned, float[] zp, int n,
                         float[] y, int n0, int n1) {
        for (int r = 0; r < rows; r++) {
            for (int c = n0; c < n1; c++) {
                long s = 0; // int arithmetic, as MatMulInteger
                for (int i = 0; i < k; i++) {
                    byte b = w.get(ValueLayout.JAVA_BYTE, (long) i * n + c);
                    int wv = unsigned ? b & 0xFF : b;
                    s += (long) xq[r * k + i] * (wv - (int) zp[c]);
                }
                y[r * n + c] = (float) s;
            }
        }
    }

    @Override
    public void attention(float[] q, float[] k, float[] v, float[] out, int h, int start, int len, int col, int hd,
                          float scale) {
        float[] p = new float[len];
        for (int i = start; i < start + len; i++) {
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < len; j++) {
                float s = 0;
                for (int d = 0; d < hd; d++) s += q[i * h + col + d] * k[(start + j) * h + col + d];
                p[j] = s * scale;
                max = Math.max(max, p[j]);
            }
            float sum = 0;
            for (int j = 0; j < len; j++) {
                p[j] = (float) Math.exp(p[j] - max);
                sum += p[j];
            }
            for (int d = 0; d < hd; d++) {
                float s = 0;
                for (int j = 0; j < len; j++) s += p[j] * v[(start + j) * h + col + d];
                out[i * h + col + d] = s / sum;
            }
        }
    }

    @Override
    public void gelu(float[] x, int from, int to) {
        for (int i = from; i < to; i++) x[i] = (float) (0.5 * x[i] * (1 + erf(x[i] / Math.sqrt(2))));
    }

    /**
     * erf to about 1e-7 (Abramowitz and Stegun 7.1.26): 1 - (a1 t + ... + a5 t^5) e^(-x^2),
     * t = 1 / (1 + p|x|), odd in x.
     */
    static double erf(double x) {
        double ax = Math.abs(x);
        double t = 1 / (1 + ERF_P * ax);
        double poly = t * (ERF_A[0] + t * (ERF_A[1] + t * (ERF_A[2] + t * (ERF_A[3] + t * ERF_A[4]))));
        double y = 1 - poly * Math.exp(-ax * ax);
        return x < 0 ? -y : y;
    }

    static final double ERF_P = 0.3275911;
    static final double[] ERF_A = {0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429};
}
