package dev.weightclass.runtime.bert;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Vector API kernels. Products are register-tiled: 4 activation rows x 3 vectors of output
 * columns stay in registers while the K loop streams one weight row segment per step, so each
 * weight is read once per 4 rows and each activation once per 3 vectors.
 */
final class VectorBertKernels implements BertKernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int VL = S.length();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat F32 = ScalarBertKernels.F32;
    private static final int ROWS = 4, COLS = 3;

    private final ThreadLocal<float[]> scratch = ThreadLocal.withInitial(() -> new float[0]);

    @Override
    public void gemmInOut(float[] x, int rows, int k, MemorySegment w, int n, float[] y, int n0, int n1) {
        long rowBytes = 4L * n;
        int c = n0;
        for (; c + COLS * VL <= n1; c += COLS * VL) {
            int r = 0;
            for (; r + ROWS <= rows; r += ROWS) {
                FloatVector a00 = FloatVector.zero(S), a01 = a00, a02 = a00, a10 = a00, a11 = a00, a12 = a00,
                        a20 = a00, a21 = a00, a22 = a00, a30 = a00, a31 = a00, a32 = a00;
                int x0 = r * k;
                long wo = 4L * c;
                for (int i = 0; i < k; i++, wo += rowBytes) {
                    FloatVector w0 = FloatVector.fromMemorySegment(S, w, wo, LE);
                    FloatVector w1 = FloatVector.fromMemorySegment(S, w, wo + 4L * VL, LE);
                    FloatVector w2 = FloatVector.fromMemorySegment(S, w, wo + 8L * VL, LE);
                    FloatVector b = FloatVector.broadcast(S, x[x0 + i]);
                    a00 = w0.fma(b, a00); a01 = w1.fma(b, a01); a02 = w2.fma(b, a02);
                    b = FloatVector.broadcast(S, x[x0 + k + i]);
                    a10 = w0.fma(b, a10); a11 = w1.fma(b, a11); a12 = w2.fma(b, a12);
                    b = FloatVector.broadcast(S, x[x0 + 2 * k + i]);
                    a20 = w0.fma(b, a20); a21 = w1.fma(b, a21); a22 = w2.fma(b, a22);
                    b = FloatVector.broadcast(S, x[x0 + 3 * k + i]);
                    a30 = w0.fma(b, a30); a31 = w1.fma(b, a31); a32 = w2.fma(b, a32);
                }
                store3(y, r * n + c, a00, a01, a02);
                store3(y, (r + 1) * n + c, a10, a11, a12);
                store3(y, (r + 2) * n + c, a20, a21, a22);
                store3(y, (r + 3) * n + c, a30, a31, a32);
            }
            for (; r < rows; r++) {
                FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0;
                long wo = 4L * c;
                for (int i = 0; i < k; i++, wo += rowBytes) {
                    FloatVector b = FloatVector.broadcast(S, x[r * k + i]);
                    a0 = FloatVector.fromMemorySegment(S, w, wo, LE).fma(b, a0);
                    a1 = FloatVector.fromMemorySegment(S, w, wo + 4L * VL, LE).fma(b, a1);
                    a2 = FloatVector.fromMemorySegment(S, w, wo + 8L * VL, LE).fma(b, a2);
                }
                store3(y, r * n + c, a0, a1, a2);
            }
        }
        for (; c + VL <= n1; c += VL) {
            for (int r = 0; r < rows; r++) {
                FloatVector a = FloatVector.zero(S);
                long wo = 4L * c;
                for (int i = 0; i < k; i++, wo += rowBytes) {
                    a = FloatVector.fromMemorySegment(S, w, wo, LE).fma(FloatVector.broadcast(S, x[r * k + i]), a);
                }
                a.intoArray(y, r * n + c);
            }
        }
        if (c < n1) ScalarBertKernels.INSTANCE.gemmInOut(x, rows, k, w, n, y, c, n1);
    }

    private static void store3(float[] y, int at, FloatVector a, FloatVector b, FloatVector c) {
        a.intoArray(y, at);
        b.intoArray(y, at + VL);
        c.intoArray(y, at + 2 * VL);
    }

    @Override
    public void gemmOutIn(float[] x, int rows, int k, MemorySegment w, int n, float[] y, int n0, int n1) {
        int kv = k - k % VL;
        for (int c = n0; c < n1; c++) {
            long wo = 4L * c * k;
            int r = 0;
            for (; r + 2 <= rows; r += 2) {
                FloatVector a0 = FloatVector.zero(S), a1 = a0;
                int x0 = r * k, x1 = x0 + k;
                for (int i = 0; i < kv; i += VL) {
                    FloatVector wv = FloatVector.fromMemorySegment(S, w, wo + 4L * i, LE);
                    a0 = FloatVector.fromArray(S, x, x0 + i).fma(wv, a0);
                    a1 = FloatVector.fromArray(S, x, x1 + i).fma(wv, a1);
                }
                float s0 = a0.reduceLanes(VectorOperators.ADD), s1 = a1.reduceLanes(VectorOperators.ADD);
                for (int i = kv; i < k; i++) {
                    float wv = w.get(F32, wo + 4L * i);
                    s0 += x[x0 + i] * wv;
                    s1 += x[x1 + i] * wv;
                }
                y[r * n + c] = s0;
                y[(r + 1) * n + c] = s1;
            }
            for (; r < rows; r++) {
                FloatVector a0 = FloatVector.zero(S);
                int x0 = r * k;
                for (int i = 0; i < kv; i += VL) {
                    a0 = FloatVector.fromArray(S, x, x0 + i).fma(FloatVector.fromMemorySegment(S, w, wo + 4L * i, LE), a0);
                }
                float s0 = a0.reduceLanes(VectorOperators.ADD);
                for (int i = kv; i < k; i++) s0 += x[x0 + i] * w.get(F32, wo + 4L * i);
                y[r * n + c] = s0;
            }
        }
    }

    /**
     * Per tile of {@link #INT8_TILE} columns the int8 weights are widened once into a float panel
     * {@code W[k, c] - zp[c]} (small integers, exact), which every tile of activation rows then
     * streams from cache. The widening reads 4 columns per int lane and splits them with shifts, so
     * the panel (and the accumulators) hold the columns interleaved: vector m, lane j is column
     * {@code c + 4j + m}; the stores put them back in order.
     */
    @Override
    public void gemmInt8(float[] xq, int rows, int k, MemorySegment w, boolean unsigned, float[] zp, int n,
                         float[] y, int n0, int n1) {
        float[] panel = panels.get();
        if (panel.length < k * INT8_TILE) panels.set(panel = new float[k * INT8_TILE]);
        float[] zpPanel = new float[INT8_TILE];
        int c = n0;
        for (; c + INT8_TILE <= n1; c += INT8_TILE) {
            for (int j = 0; j < VL; j++) for (int m = 0; m < 4; m++) zpPanel[m * VL + j] = zp[c + 4 * j + m] - (unsigned ? 128 : 0);
            fillPanel(w, unsigned, zpPanel, k, n, c, panel);
            int r = 0;
            for (; r + ROWS <= rows; r += ROWS) panelRows4(xq, r, k, panel, y, n, c);
            if (r < rows) {
                // the last 1-3 rows, padded with zero rows to a full tile: a 4-row pass costs little
                // more than a 1-row one, whose few accumulators leave the FMA units idle
                int left = rows - r;
                float[] pad = padIn.get(), out = padOut.get();
                if (pad.length < ROWS * k) padIn.set(pad = new float[ROWS * k]);
                if (out.length < ROWS * INT8_TILE) padOut.set(out = new float[ROWS * INT8_TILE]);
                System.arraycopy(xq, r * k, pad, 0, left * k);
                java.util.Arrays.fill(pad, left * k, ROWS * k, 0f);
                panelRows4(pad, 0, k, panel, out, INT8_TILE, 0);
                for (int j = 0; j < left; j++) System.arraycopy(out, j * INT8_TILE, y, (r + j) * n + c, INT8_TILE);
            }
        }
        if (c < n1) ScalarBertKernels.INSTANCE.gemmInt8(xq, rows, k, w, unsigned, zp, n, y, c, n1);
    }

    /** Columns per int8 tile: 4 vectors (one int lane carries 4 weight bytes). */
    static final int INT8_TILE = 4 * VL;
    private static final VectorSpecies<Integer> IS = VectorSpecies.of(int.class, S.vectorShape());

    /**
     * panel[i, m*VL + j] = W[i, c + 4j + m] - zp, as floats. No int-to-float conversion: the
     * sign-extended byte v is added to the bits of 1.5 * 2^23, which makes the float 1.5 * 2^23 + v
     * exactly, and subtracting 1.5 * 2^23 + zp (also exact) leaves v - zp.
     */
    private static void fillPanel(MemorySegment w, boolean unsigned, float[] zpPanel, int k, int n, int c, float[] panel) {
        FloatVector z0 = FloatVector.fromArray(S, zpPanel, 0).add(MAGIC), z1 = FloatVector.fromArray(S, zpPanel, VL).add(MAGIC),
                z2 = FloatVector.fromArray(S, zpPanel, 2 * VL).add(MAGIC), z3 = FloatVector.fromArray(S, zpPanel, 3 * VL).add(MAGIC);
        long wo = c;
        for (int i = 0, p = 0; i < k; i++, wo += n, p += INT8_TILE) {
            IntVector v = IntVector.fromMemorySegment(IS, w, wo, LE);
            if (unsigned) v = v.lanewise(VectorOperators.XOR, 0x80808080);
            // byte m of each int (little-endian: column c + 4j + m), sign-extended
            v.lanewise(VectorOperators.LSHL, 24).lanewise(VectorOperators.ASHR, 24).add(MAGIC_BITS).reinterpretAsFloats()
                    .sub(z0).intoArray(panel, p);
            v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 24).add(MAGIC_BITS).reinterpretAsFloats()
                    .sub(z1).intoArray(panel, p + VL);
            v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 24).add(MAGIC_BITS).reinterpretAsFloats()
                    .sub(z2).intoArray(panel, p + 2 * VL);
            v.lanewise(VectorOperators.ASHR, 24).add(MAGIC_BITS).reinterpretAsFloats()
                    .sub(z3).intoArray(panel, p + 3 * VL);
        }
    }

    private static final float MAGIC = 0x1.8p23f;
    private static final int MAGIC_BITS = Float.floatToRawIntBits(MAGIC);

    private final ThreadLocal<float[]> padIn = ThreadLocal.withInitial(() -> new float[0]);
    private final ThreadLocal<float[]> padOut = ThreadLocal.withInitial(() -> new float[0]);

    /** Rows r..r+3 times the panel into y[., c..c+INT8_TILE) (row stride n). */
    private void panelRows4(float[] xq, int r, int k, float[] panel, float[] y, int n, int c) {
        FloatVector a00 = FloatVector.zero(S), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00,
                a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        int x0 = r * k;
        for (int i = 0, p = 0; i < k; i++, p += INT8_TILE) {
            FloatVector w0 = FloatVector.fromArray(S, panel, p);
            FloatVector w1 = FloatVector.fromArray(S, panel, p + VL);
            FloatVector w2 = FloatVector.fromArray(S, panel, p + 2 * VL);
            FloatVector w3 = FloatVector.fromArray(S, panel, p + 3 * VL);
            FloatVector b = FloatVector.broadcast(S, xq[x0 + i]);
            a00 = w0.fma(b, a00); a01 = w1.fma(b, a01); a02 = w2.fma(b, a02); a03 = w3.fma(b, a03);
            b = FloatVector.broadcast(S, xq[x0 + k + i]);
            a10 = w0.fma(b, a10); a11 = w1.fma(b, a11); a12 = w2.fma(b, a12); a13 = w3.fma(b, a13);
            b = FloatVector.broadcast(S, xq[x0 + 2 * k + i]);
            a20 = w0.fma(b, a20); a21 = w1.fma(b, a21); a22 = w2.fma(b, a22); a23 = w3.fma(b, a23);
            b = FloatVector.broadcast(S, xq[x0 + 3 * k + i]);
            a30 = w0.fma(b, a30); a31 = w1.fma(b, a31); a32 = w2.fma(b, a32); a33 = w3.fma(b, a33);
        }
        storeInterleaved(y, r * n + c, a00, a01, a02, a03);
        storeInterleaved(y, (r + 1) * n + c, a10, a11, a12, a13);
        storeInterleaved(y, (r + 2) * n + c, a20, a21, a22, a23);
        storeInterleaved(y, (r + 3) * n + c, a30, a31, a32, a33);
    }

    /** y[at + 4j + m] = a_m[j]. */
    private void storeInterleaved(float[] y, int at, FloatVector a0, FloatVector a1, FloatVector a2, FloatVector a3) {
        float[] t = tiles.get();
        a0.intoArray(t, 0);
        a1.intoArray(t, VL);
        a2.intoArray(t, 2 * VL);
        a3.intoArray(t, 3 * VL);
        for (int j = 0; j < VL; j++) {
            y[at + 4 * j] = t[j];
            y[at + 4 * j + 1] = t[VL + j];
            y[at + 4 * j + 2] = t[2 * VL + j];
            y[at + 4 * j + 3] = t[3 * VL + j];
        }
    }

    private final ThreadLocal<float[]> tiles = ThreadLocal.withInitial(() -> new float[INT8_TILE]);
    private final ThreadLocal<float[]> panels = ThreadLocal.withInitial(() -> new float[0]);

    @Override
    public void attention(float[] q, float[] k, float[] v, float[] out, int h, int start, int len, int col, int hd,
                          float divisor) {
        // kt[d, j] = k[start + j, col + d]: keys transposed so the scores of VL keys come out of one FMA chain.
        int lenPad = (len + VL - 1) / VL * VL;
        float[] buf = scratch.get();
        int need = hd * lenPad + lenPad;
        if (buf.length < need) scratch.set(buf = new float[need]);
        float[] kt = buf;
        int p = hd * lenPad;
        java.util.Arrays.fill(kt, 0, need, 0f);
        for (int j = 0; j < len; j++) {
            int kr = (start + j) * h + col;
            for (int d = 0; d < hd; d++) kt[d * lenPad + j] = k[kr + d];
        }
        for (int i = start; i < start + len; i++) {
            int qr = i * h + col;
            for (int j = 0; j < lenPad; j += VL) {
                FloatVector s = FloatVector.zero(S);
                for (int d = 0; d < hd; d++) {
                    s = FloatVector.fromArray(S, kt, d * lenPad + j).fma(FloatVector.broadcast(S, q[qr + d]), s);
                }
                s.div(divisor).intoArray(buf, p + j);
            }
            OrtMath.softmax(buf, p, len);
            int or = i * h + col;
            for (int d = 0; d < hd; d++) out[or + d] = 0;
            for (int j = 0; j < len; j++) {
                float pj = buf[p + j];
                int vr = (start + j) * h + col;
                int d = 0;
                for (; d + VL <= hd; d += VL) {
                    FloatVector.fromArray(S, v, vr + d).fma(FloatVector.broadcast(S, pj), FloatVector.fromArray(S, out, or + d))
                            .intoArray(out, or + d);
                }
                for (; d < hd; d++) out[or + d] = Math.fma(pj, v[vr + d], out[or + d]);
            }
        }
    }

    /** {@link OrtMath#gelu} on whole vectors: both erf branches, blended by |z| against the split point. */
    @Override
    public void gelu(float[] x, int from, int to) {
        int i = from;
        for (; i + VL <= to; i += VL) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            FloatVector z = v.div(OrtMath.SQRT2);
            v.mul(erf(z).add(1f)).mul(0.5f).intoArray(x, i);
        }
        ScalarBertKernels.INSTANCE.gelu(x, i, to);
    }

    private static FloatVector erf(FloatVector z) {
        FloatVector a = z.abs();
        FloatVector s = a.mul(a);
        FloatVector small = FloatVector.broadcast(S, OrtMath.ERF_SMALL[0]);
        for (int i = 1; i < OrtMath.ERF_SMALL.length; i++) small = small.fma(s, FloatVector.broadcast(S, OrtMath.ERF_SMALL[i]));
        small = small.fma(a, a);
        FloatVector r = FloatVector.broadcast(S, OrtMath.ERF_BIG[0]);
        for (int i = 1; i < OrtMath.ERF_BIG.length; i++) r = r.fma(a, FloatVector.broadcast(S, OrtMath.ERF_BIG[i]));
        r = r.fma(a, a).neg().max(OrtMath.ERF_EXP_LOWER);
        FloatVector c = FloatVector.broadcast(S, OrtMath.ERF_EXP_C);
        FloatVector t = FloatVector.broadcast(S, OrtMath.LOG2E).fma(r, c).sub(c);
        FloatVector f = t.fma(FloatVector.broadcast(S, OrtMath.LN2_HIGH), r);
        f = t.fma(FloatVector.broadcast(S, OrtMath.LN2_LOW), f);
        FloatVector y = FloatVector.broadcast(S, OrtMath.ERF_EXP[0]);
        for (int i = 1; i < OrtMath.ERF_EXP.length; i++) y = y.fma(f, FloatVector.broadcast(S, OrtMath.ERF_EXP[i]));
        IntVector bits = ((IntVector) t.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23);
        FloatVector big = y.mul(bits.reinterpretAsFloats()).neg().add(1f);
        FloatVector e = small.blend(big, a.compare(VectorOperators.GE, OrtMath.ERF_SPLIT));
        // copy the sign of z
        IntVector sign = z.reinterpretAsInts().and(0x80000000);
        return e.reinterpretAsInts().or(sign).reinterpretAsFloats();
    }
}
