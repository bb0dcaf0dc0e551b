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
    public void gemmInt8(float[] xq, int rows, int k, MemorySegment w, MemorySegment packed, boolean unsigned, float[] zp, int n,
                         float[] rowScale, float[] colScale, float[] bias, float[] y, int n0, int n1) {
        for (int r = 0; r < rows; r++) {
            for (int c = n0; c < n1; c++) {
                long s = 0; // int arithmetic, as MatMulInteger
                for (int i = 0; i < k; i++) {
                    byte b = w.get(ValueLayout.JAVA_BYTE, (long) i * n + c);
                    int wv = unsigned ? b & 0xFF : b;
                    s += (long) xq[r * k + i] * (wv - (int) zp[c]);
                }
                float v = (float) s * (rowScale[r] * colScale[c]);
                y[r * n + c] = (bias == null ? 0f : bias[c]) + v;
            }
        }
    }

    @Override
    public void attention(float[] q, float[] k, float[] v, float[] out, int h, int start, int len, int col, int hd,
                          float divisor) {
        float[] p = new float[len];
        for (int i = start; i < start + len; i++) {
            for (int j = 0; j < len; j++) {
                float s = 0;
                for (int d = 0; d < hd; d++) s = Math.fma(q[i * h + col + d], k[(start + j) * h + col + d], s);
                p[j] = s / divisor;
            }
            OrtMath.softmax(p, 0, len);
            for (int d = 0; d < hd; d++) {
                float s = 0;
                for (int j = 0; j < len; j++) s = Math.fma(p[j], v[(start + j) * h + col + d], s);
                out[i * h + col + d] = s;
            }
        }
    }

    @Override
    public void layerNorm(float[] x, int r0, int r1, float[] gamma, float[] beta, float eps) {
        int h = gamma.length;
        float[] d = new float[h];
        for (int r = r0; r < r1; r++) {
            int o = r * h;
            float mean = OrtMath.sum(x, o, h) / h;
            for (int i = 0; i < h; i++) {
                float c = x[o + i] - mean;
                d[i] = c * c;
            }
            float std = (float) Math.sqrt(OrtMath.sum(d, 0, h) / h + eps);
            for (int i = 0; i < h; i++) x[o + i] = (x[o + i] - mean) / std * gamma[i] + beta[i];
        }
    }

    @Override
    public void range(float[] x, int from, int to, float[] range) {
        float min = 0, max = 0;
        for (int i = from; i < to; i++) {
            min = Math.min(min, x[i]);
            max = Math.max(max, x[i]);
        }
        range[0] = min;
        range[1] = max;
    }

    @Override
    public void quantize(float[] x, int from, int to, float scale, float zp, float[] q) {
        for (int i = from; i < to; i++) q[i] = DynamicQuantization.level(x[i], scale, zp);
    }

    @Override
    public void gelu(float[] x, int from, int to) {
        for (int i = from; i < to; i++) x[i] = OrtMath.gelu(x[i]);
    }
}
