package dev.weightclass.runtime.bert;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Vector API kernels. Products are register-tiled: for f32, 4 activation rows x 3 vectors of
 * output columns stay in registers while the K loop streams one weight row segment per step. int8
 * products widen the weights (regrouped by {@link Int8Linear#pack}) to floats, exactly: into a
 * panel per 64-column tile that blocks of 6 rows then stream, or, for up to 12 rows, in registers
 * as the rows use them. No helper takes or returns a vector: one the compiler leaves out of line
 * boxes every vector it touches, and the kernel runs ten times slower.
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
     * The int8 weights (from the packed copy) are widened to floats, exactly. Up to
     * {@link #DIRECT_ROWS} rows (one short sentence) widen them in registers as the rows use them;
     * more rows widen each tile of {@link #INT8_TILE} columns once into a panel that blocks of 6
     * rows then stream from cache. Each block's sums are scaled while they are still in cache.
     */
    @Override
    public void gemmInt8(float[] xq, int rows, int k, MemorySegment w, MemorySegment packed, boolean unsigned, float[] zp,
                         int n, float[] rowScale, float[] colScale, float[] bias, float[] y, int n0, int n1) {
        int tiled = Math.min(n1, n - n % Int8Linear.TILE);   // columns the packed copy holds
        float[] tile = tiles.get();
        int c = n0;
        if (rows <= DIRECT_ROWS) {
            float[] x = padded(xq, 0, rows, k, DIRECT_ROWS);
            for (; c + INT8_TILE <= tiled; c += INT8_TILE) {
                direct12x2(x, 0, k, packed, unsigned, zp, c, tile, 0, INT8_TILE);
                direct12x2(x, 0, k, packed, unsigned, zp, c + 2 * VL, tile, 2 * VL, INT8_TILE);
                store(tile, 0, rows, y, n, c, rowScale, colScale, bias);
            }
        }
        float[] panel = panels.get();
        if (c + INT8_TILE <= tiled && panel.length < k * INT8_TILE) panels.set(panel = new float[k * INT8_TILE]);
        for (; c + INT8_TILE <= tiled; c += INT8_TILE) {
            fillPanel(packed, unsigned, zp, k, c, panel);
            int r = 0;
            for (; r + 6 <= rows; r += 6) {
                panelRows6(xq, r * k, k, panel, y, r * n + c, n);
                scale(y, r, 6, n, c, rowScale, colScale, bias);
            }
            if (r < rows) {
                // the last 1-5 rows, padded with zero rows to a full block: a 6-row pass costs little
                // more than a 1-row one, whose few accumulators would leave the FMA units idle
                panelRows6(padded(xq, r, rows - r, k, 6), 0, k, panel, tile, 0, INT8_TILE);
                store(tile, r, rows - r, y, n, c, rowScale, colScale, bias);
            }
        }
        if (c < n1) ScalarBertKernels.INSTANCE.gemmInt8(xq, rows, k, w, packed, unsigned, zp, n, rowScale, colScale, bias, y, c, n1);
    }

    /** Rows [r, r + count) of x (width k) followed by zero rows up to {@code block}, in a per-thread buffer. */
    private float[] padded(float[] x, int r, int count, int k, int block) {
        float[] pad = padIn.get();
        if (pad.length < block * k) padIn.set(pad = new float[block * k]);
        System.arraycopy(x, r * k, pad, 0, count * k);
        java.util.Arrays.fill(pad, count * k, block * k, 0f);
        return pad;
    }

    /** The first {@code count} rows of a tile's sums into y rows r0.., columns c.., then {@link #scale}d. */
    private static void store(float[] tile, int r0, int count, float[] y, int n, int c, float[] rowScale, float[] colScale,
                              float[] bias) {
        for (int j = 0; j < count; j++) System.arraycopy(tile, j * INT8_TILE, y, (r0 + j) * n + c, INT8_TILE);
        scale(y, r0, count, n, c, rowScale, colScale, bias);
    }

    /**
     * What MatMulInteger's output goes through next, on one block of a tile:
     * {@code y = y · (rowScale · colScale) + bias} (Cast, Mul by the product of the scales, Add).
     */
    private static void scale(float[] y, int r0, int count, int n, int c, float[] rowScale, float[] colScale, float[] bias) {
        for (int r = r0; r < r0 + count; r++) {
            float rs = rowScale[r];
            for (int j = 0; j < INT8_TILE; j += VL) {
                int o = r * n + c + j;
                FloatVector v = FloatVector.fromArray(S, y, o).mul(FloatVector.fromArray(S, colScale, c + j).mul(rs));
                // two stores rather than one vector from either branch: vectors meeting at a merge get boxed
                if (bias == null) v.intoArray(y, o);
                else v.add(FloatVector.fromArray(S, bias, c + j)).intoArray(y, o);
            }
        }
    }

    /** Up to this many rows (the register kernel's height) the weights are widened in registers, not into a panel. */
    private static final int DIRECT_ROWS = 12;
    /** Columns per int8 tile: 4 vectors. */
    static final int INT8_TILE = 4 * VL;
    private static final VectorSpecies<Byte> BS = VectorSpecies.of(byte.class, VectorShape.forBitSize(S.vectorBitSize() / 4));

    /**
     * panel[i, col] = W[i, c + col] - zp[c + col], as floats, a vector of bytes widened at a time
     * (uint8 is shifted to int8 first, and the zero point with it).
     */
    private static void fillPanel(MemorySegment packed, boolean unsigned, float[] zp, int k, int c, float[] panel) {
        float shift = unsigned ? 128 : 0;
        FloatVector z0 = FloatVector.fromArray(S, zp, c).sub(shift), z1 = FloatVector.fromArray(S, zp, c + VL).sub(shift),
                z2 = FloatVector.fromArray(S, zp, c + 2 * VL).sub(shift), z3 = FloatVector.fromArray(S, zp, c + 3 * VL).sub(shift);
        byte flip = unsigned ? (byte) 0x80 : 0;
        long wo = Int8Linear.packedOffset(c, k);
        for (int i = 0, p = 0; i < k; i++, wo += Int8Linear.TILE, p += INT8_TILE) {
            ByteVector b0 = ByteVector.fromMemorySegment(BS, packed, wo, LE).lanewise(VectorOperators.XOR, flip);
            ByteVector b1 = ByteVector.fromMemorySegment(BS, packed, wo + VL, LE).lanewise(VectorOperators.XOR, flip);
            ByteVector b2 = ByteVector.fromMemorySegment(BS, packed, wo + 2 * VL, LE).lanewise(VectorOperators.XOR, flip);
            ByteVector b3 = ByteVector.fromMemorySegment(BS, packed, wo + 3 * VL, LE).lanewise(VectorOperators.XOR, flip);
            ((FloatVector) b0.convertShape(VectorOperators.B2F, S, 0)).sub(z0).intoArray(panel, p);
            ((FloatVector) b1.convertShape(VectorOperators.B2F, S, 0)).sub(z1).intoArray(panel, p + VL);
            ((FloatVector) b2.convertShape(VectorOperators.B2F, S, 0)).sub(z2).intoArray(panel, p + 2 * VL);
            ((FloatVector) b3.convertShape(VectorOperators.B2F, S, 0)).sub(z3).intoArray(panel, p + 3 * VL);
        }
    }

    private final ThreadLocal<float[]> padIn = ThreadLocal.withInitial(() -> new float[0]);
    private final ThreadLocal<float[]> tiles = ThreadLocal.withInitial(() -> new float[12 * INT8_TILE]);
    private final ThreadLocal<float[]> panels = ThreadLocal.withInitial(() -> new float[0]);

    /**
     * 12 rows (x[x0 ..], stride k) times W[., c .. c + 2 VL) - zp, the weights widened from the
     * packed bytes as they are used, into out[o + row * stride ..]: for a sentence's few rows,
     * filling a panel would cost as much as the products. 24 accumulators.
     */
    private static void direct12x2(float[] xq, int x0, int k, MemorySegment packed, boolean unsigned, float[] zp, int c,
                                   float[] out, int o, int stride) {
        float shift = unsigned ? 128 : 0;
        byte flip = unsigned ? (byte) 0x80 : 0;
        FloatVector z0 = FloatVector.fromArray(S, zp, c).sub(shift), z1 = FloatVector.fromArray(S, zp, c + VL).sub(shift);
        FloatVector a00 = FloatVector.zero(S), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00,
                a31 = a00, a40 = a00, a41 = a00, a50 = a00, a51 = a00, a60 = a00, a61 = a00, a70 = a00, a71 = a00,
                a80 = a00, a81 = a00, a90 = a00, a91 = a00, a100 = a00, a101 = a00, a110 = a00, a111 = a00;
        long wo = Int8Linear.packedOffset(c, k);
        for (int i = 0; i < k; i++, wo += Int8Linear.TILE) {
            FloatVector w0 = ((FloatVector) ByteVector.fromMemorySegment(BS, packed, wo, LE).lanewise(VectorOperators.XOR, flip)
                    .convertShape(VectorOperators.B2F, S, 0)).sub(z0);
            FloatVector w1 = ((FloatVector) ByteVector.fromMemorySegment(BS, packed, wo + VL, LE).lanewise(VectorOperators.XOR, flip)
                    .convertShape(VectorOperators.B2F, S, 0)).sub(z1);
            FloatVector b = FloatVector.broadcast(S, xq[x0 + i]);
            a00 = w0.fma(b, a00); a01 = w1.fma(b, a01);
            b = FloatVector.broadcast(S, xq[x0 + k + i]);
            a10 = w0.fma(b, a10); a11 = w1.fma(b, a11);
            b = FloatVector.broadcast(S, xq[x0 + 2 * k + i]);
            a20 = w0.fma(b, a20); a21 = w1.fma(b, a21);
            b = FloatVector.broadcast(S, xq[x0 + 3 * k + i]);
            a30 = w0.fma(b, a30); a31 = w1.fma(b, a31);
            b = FloatVector.broadcast(S, xq[x0 + 4 * k + i]);
            a40 = w0.fma(b, a40); a41 = w1.fma(b, a41);
            b = FloatVector.broadcast(S, xq[x0 + 5 * k + i]);
            a50 = w0.fma(b, a50); a51 = w1.fma(b, a51);
            b = FloatVector.broadcast(S, xq[x0 + 6 * k + i]);
            a60 = w0.fma(b, a60); a61 = w1.fma(b, a61);
            b = FloatVector.broadcast(S, xq[x0 + 7 * k + i]);
            a70 = w0.fma(b, a70); a71 = w1.fma(b, a71);
            b = FloatVector.broadcast(S, xq[x0 + 8 * k + i]);
            a80 = w0.fma(b, a80); a81 = w1.fma(b, a81);
            b = FloatVector.broadcast(S, xq[x0 + 9 * k + i]);
            a90 = w0.fma(b, a90); a91 = w1.fma(b, a91);
            b = FloatVector.broadcast(S, xq[x0 + 10 * k + i]);
            a100 = w0.fma(b, a100); a101 = w1.fma(b, a101);
            b = FloatVector.broadcast(S, xq[x0 + 11 * k + i]);
            a110 = w0.fma(b, a110); a111 = w1.fma(b, a111);
        }
        a00.intoArray(out, o); a01.intoArray(out, o + VL);
        a10.intoArray(out, o + stride); a11.intoArray(out, o + stride + VL);
        a20.intoArray(out, o + 2 * stride); a21.intoArray(out, o + 2 * stride + VL);
        a30.intoArray(out, o + 3 * stride); a31.intoArray(out, o + 3 * stride + VL);
        a40.intoArray(out, o + 4 * stride); a41.intoArray(out, o + 4 * stride + VL);
        a50.intoArray(out, o + 5 * stride); a51.intoArray(out, o + 5 * stride + VL);
        a60.intoArray(out, o + 6 * stride); a61.intoArray(out, o + 6 * stride + VL);
        a70.intoArray(out, o + 7 * stride); a71.intoArray(out, o + 7 * stride + VL);
        a80.intoArray(out, o + 8 * stride); a81.intoArray(out, o + 8 * stride + VL);
        a90.intoArray(out, o + 9 * stride); a91.intoArray(out, o + 9 * stride + VL);
        a100.intoArray(out, o + 10 * stride); a101.intoArray(out, o + 10 * stride + VL);
        a110.intoArray(out, o + 11 * stride); a111.intoArray(out, o + 11 * stride + VL);
    }

    /**
     * Rows x[x0 ..] (row stride k) times the panel, 6 of them, into out[o + row * stride ..]: 24
     * accumulators, so each panel vector loaded feeds 6 FMAs. The accumulators go out through the
     * array, not a helper: a helper taking vectors as arguments is not always inlined, and then
     * every vector is boxed.
     */
    private static void panelRows6(float[] xq, int x0, int k, float[] panel, float[] out, int o, int stride) {
        FloatVector a00 = FloatVector.zero(S), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00,
                a13 = a00, a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00,
                a40 = a00, a41 = a00, a42 = a00, a43 = a00, a50 = a00, a51 = a00, a52 = a00, a53 = a00;
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
            b = FloatVector.broadcast(S, xq[x0 + 4 * k + i]);
            a40 = w0.fma(b, a40); a41 = w1.fma(b, a41); a42 = w2.fma(b, a42); a43 = w3.fma(b, a43);
            b = FloatVector.broadcast(S, xq[x0 + 5 * k + i]);
            a50 = w0.fma(b, a50); a51 = w1.fma(b, a51); a52 = w2.fma(b, a52); a53 = w3.fma(b, a53);
        }
        a00.intoArray(out, o); a01.intoArray(out, o + VL);
        a02.intoArray(out, o + 2 * VL); a03.intoArray(out, o + 3 * VL);
        a10.intoArray(out, o + stride); a11.intoArray(out, o + stride + VL);
        a12.intoArray(out, o + stride + 2 * VL); a13.intoArray(out, o + stride + 3 * VL);
        a20.intoArray(out, o + 2 * stride); a21.intoArray(out, o + 2 * stride + VL);
        a22.intoArray(out, o + 2 * stride + 2 * VL); a23.intoArray(out, o + 2 * stride + 3 * VL);
        a30.intoArray(out, o + 3 * stride); a31.intoArray(out, o + 3 * stride + VL);
        a32.intoArray(out, o + 3 * stride + 2 * VL); a33.intoArray(out, o + 3 * stride + 3 * VL);
        a40.intoArray(out, o + 4 * stride); a41.intoArray(out, o + 4 * stride + VL);
        a42.intoArray(out, o + 4 * stride + 2 * VL); a43.intoArray(out, o + 4 * stride + 3 * VL);
        a50.intoArray(out, o + 5 * stride); a51.intoArray(out, o + 5 * stride + VL);
        a52.intoArray(out, o + 5 * stride + 2 * VL); a53.intoArray(out, o + 5 * stride + 3 * VL);
    }

    @Override
    public void attention(float[] q, float[] k, float[] v, float[] out, int h, int start, int len, int col, int hd,
                          float divisor) {
        // kt[d, j] = k[start + j, col + d]: keys transposed so the scores of VL keys come out of one FMA chain.
        int lenPad = (len + VL - 1) / VL * VL;
        float[] buf = scratch.get();
        int need = hd * lenPad + 4 * lenPad;
        if (buf.length < need) scratch.set(buf = new float[need]);
        int p = hd * lenPad;
        for (int j = 0; j < len; j++) {
            int kr = (start + j) * h + col;
            for (int d = 0; d < hd; d++) buf[d * lenPad + j] = k[kr + d];
        }
        for (int d = 0; d < hd; d++) java.util.Arrays.fill(buf, d * lenPad + len, (d + 1) * lenPad, 0f);
        // four queries at a time: one FMA chain per score is the reference's order, and four
        // independent chains keep the FMA units busy where one would wait on each result. Small
        // methods, each compiled on its own, with no vector crossing a call.
        int i = start;
        for (; i + 4 <= start + len; i += 4) {
            scores4(q, i * h + col, h, buf, lenPad, hd, divisor, p);
            for (int t = 0; t < 4; t++) softmax(buf, p + t * lenPad, len);
            weightedSum4(buf, p, lenPad, v, (start * h) + col, h, len, hd, out, i * h + col);
        }
        for (; i < start + len; i++) {
            scores1(q, i * h + col, buf, lenPad, hd, divisor, p);
            softmax(buf, p, len);
            weightedSum1(buf, p, v, (start * h) + col, h, len, hd, out, i * h + col);
        }
    }

    /** buf[p + t * lenPad + j] = (q_t · kt[., j]) / divisor for queries q0 + t * stride, t < 4. */
    private static void scores4(float[] q, int q0, int stride, float[] kt, int lenPad, int hd, float divisor, int p) {
        int q1 = q0 + stride, q2 = q1 + stride, q3 = q2 + stride;
        for (int j = 0; j < lenPad; j += VL) {
            FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
            for (int d = 0; d < hd; d++) {
                FloatVector kv = FloatVector.fromArray(S, kt, d * lenPad + j);
                s0 = kv.fma(FloatVector.broadcast(S, q[q0 + d]), s0);
                s1 = kv.fma(FloatVector.broadcast(S, q[q1 + d]), s1);
                s2 = kv.fma(FloatVector.broadcast(S, q[q2 + d]), s2);
                s3 = kv.fma(FloatVector.broadcast(S, q[q3 + d]), s3);
            }
            s0.div(divisor).intoArray(kt, p + j);
            s1.div(divisor).intoArray(kt, p + lenPad + j);
            s2.div(divisor).intoArray(kt, p + 2 * lenPad + j);
            s3.div(divisor).intoArray(kt, p + 3 * lenPad + j);
        }
    }

    private static void scores1(float[] q, int q0, float[] kt, int lenPad, int hd, float divisor, int p) {
        for (int j = 0; j < lenPad; j += VL) {
            FloatVector s = FloatVector.zero(S);
            for (int d = 0; d < hd; d++) s = FloatVector.fromArray(S, kt, d * lenPad + j).fma(FloatVector.broadcast(S, q[q0 + d]), s);
            s.div(divisor).intoArray(kt, p + j);
        }
    }

    /**
     * out[o + t * stride + d] = Σ_j w[p + t * lenPad + j] v[v0 + j * stride + d] for 4 queries,
     * each element's FMA chain in j order as the reference.
     */
    private static void weightedSum4(float[] w, int p, int lenPad, float[] v, int v0, int stride, int len, int hd,
                                     float[] out, int o) {
        int d = 0;
        for (; d + VL <= hd; d += VL) {
            FloatVector o0 = FloatVector.zero(S), o1 = o0, o2 = o0, o3 = o0;
            for (int j = 0; j < len; j++) {
                FloatVector vv = FloatVector.fromArray(S, v, v0 + j * stride + d);
                o0 = vv.fma(FloatVector.broadcast(S, w[p + j]), o0);
                o1 = vv.fma(FloatVector.broadcast(S, w[p + lenPad + j]), o1);
                o2 = vv.fma(FloatVector.broadcast(S, w[p + 2 * lenPad + j]), o2);
                o3 = vv.fma(FloatVector.broadcast(S, w[p + 3 * lenPad + j]), o3);
            }
            o0.intoArray(out, o + d);
            o1.intoArray(out, o + stride + d);
            o2.intoArray(out, o + 2 * stride + d);
            o3.intoArray(out, o + 3 * stride + d);
        }
        for (; d < hd; d++) {
            for (int t = 0; t < 4; t++) {
                float acc = 0;
                for (int j = 0; j < len; j++) acc = Math.fma(w[p + t * lenPad + j], v[v0 + j * stride + d], acc);
                out[o + t * stride + d] = acc;
            }
        }
    }

    private static void weightedSum1(float[] w, int p, float[] v, int v0, int stride, int len, int hd, float[] out, int o) {
        int d = 0;
        for (; d + VL <= hd; d += VL) {
            FloatVector acc = FloatVector.zero(S);
            for (int j = 0; j < len; j++) acc = FloatVector.fromArray(S, v, v0 + j * stride + d).fma(FloatVector.broadcast(S, w[p + j]), acc);
            acc.intoArray(out, o + d);
        }
        for (; d < hd; d++) {
            float acc = 0;
            for (int j = 0; j < len; j++) acc = Math.fma(w[p + j], v[v0 + j * stride + d], acc);
            out[o + d] = acc;
        }
    }

    /**
     * {@link OrtMath#softmax} with the exponentials taken a vector at a time ({@link OrtMath#exp}'s
     * steps, 2^m put together from m's bits); a vector whose m would make a subnormal result goes
     * through the scalar exp, which rounds that case as the reference does. Whole vectors: the row
     * is padded to a multiple of VL, and what lands in the padding is never read.
     */
    private static void softmax(float[] s, int from, int n) {
        float max = -Float.MAX_VALUE;
        for (int j = from; j < from + n; j++) max = Math.max(max, s[j]);
        FloatVector neg = FloatVector.broadcast(S, -max), bias = FloatVector.broadcast(S, OrtMath.ROUNDING_BIAS);
        FloatVector log2e = FloatVector.broadcast(S, OrtMath.LOG2E);
        FloatVector ln2High = FloatVector.broadcast(S, OrtMath.LN2_HIGH), ln2Low = FloatVector.broadcast(S, OrtMath.LN2_LOW);
        FloatVector p0 = FloatVector.broadcast(S, OrtMath.EXP_P0), p1 = FloatVector.broadcast(S, OrtMath.EXP_P1),
                p2 = FloatVector.broadcast(S, OrtMath.EXP_P2), p3 = FloatVector.broadcast(S, OrtMath.EXP_P3),
                p4 = FloatVector.broadcast(S, OrtMath.EXP_P4), p56 = FloatVector.broadcast(S, OrtMath.EXP_P56);
        for (int j = 0; j < n; j += VL) {
            VectorMask<Float> in = S.indexInRange(j, n);
            FloatVector x = FloatVector.fromArray(S, s, from + j).add(neg).max(OrtMath.EXP_LOWER);
            FloatVector mc = x.fma(log2e, bias);
            FloatVector m = mc.sub(bias);
            if (m.compare(VectorOperators.LT, -126f, in).anyTrue()) {
                for (int t = j; t < Math.min(n, j + VL); t++) s[from + t] = OrtMath.exp(s[from + t] - max);
                continue;
            }
            x = m.fma(ln2High, x);
            x = m.fma(ln2Low, x);
            FloatVector p = p0.fma(x, p1).fma(x, p2).fma(x, p3).fma(x, p4).fma(x, p56).fma(x, p56);
            FloatVector pow = mc.reinterpretAsInts().sub(ROUNDING_BIAS_BITS - 127).lanewise(VectorOperators.LSHL, 23)
                    .reinterpretAsFloats();
            p.mul(pow).intoArray(s, from + j);
        }
        FloatVector inv = FloatVector.broadcast(S, 1f / OrtMath.softmaxSum(s, from, n));
        for (int j = 0; j < n; j += VL) FloatVector.fromArray(S, s, from + j).mul(inv).intoArray(s, from + j);
    }

    private static final int ROUNDING_BIAS_BITS = Float.floatToRawIntBits(OrtMath.ROUNDING_BIAS);

    @Override
    public void layerNorm(float[] x, int r0, int r1, float[] gamma, float[] beta, float eps) {
        int h = gamma.length;
        float[] d = scratch.get();
        if (d.length < h) scratch.set(d = new float[h]);
        int hv = h - h % VL;
        for (int r = r0; r < r1; r++) {
            int o = r * h;
            float mean = sum(x, o, h) / h;
            int i = 0;
            for (; i < hv; i += VL) {
                FloatVector c = FloatVector.fromArray(S, x, o + i).sub(mean);
                c.mul(c).intoArray(d, i);
            }
            for (; i < h; i++) {
                float c = x[o + i] - mean;
                d[i] = c * c;
            }
            float std = (float) Math.sqrt(sum(d, 0, h) / h + eps);
            for (i = 0; i < hv; i += VL) {
                FloatVector.fromArray(S, x, o + i).sub(mean).div(std).mul(FloatVector.fromArray(S, gamma, i))
                        .add(FloatVector.fromArray(S, beta, i)).intoArray(x, o + i);
            }
            for (; i < h; i++) x[o + i] = (x[o + i] - mean) / std * gamma[i] + beta[i];
        }
    }

    private static final VectorSpecies<Float> S4 = FloatVector.SPECIES_128;

    /**
     * {@link OrtMath#sum} with its two 4-lane accumulators as 4-lane vectors: the same additions
     * in the same order. The leftover packet is added on both branches' own vector, so no vector
     * comes out of the branch (vectors meeting at a merge get boxed).
     */
    private static float sum(float[] x, int from, int n) {
        int packets = n / 4 * 4, pairs = n / 8 * 8;
        if (packets <= 4) return OrtMath.sum(x, from, n);
        FloatVector a = FloatVector.fromArray(S4, x, from), b = FloatVector.fromArray(S4, x, from + 4);
        for (int i = from + 8; i < from + pairs; i += 8) {
            a = a.add(FloatVector.fromArray(S4, x, i));
            b = b.add(FloatVector.fromArray(S4, x, i + 4));
        }
        a = a.add(b);
        float s;
        if (packets > pairs) {
            FloatVector t = a.add(FloatVector.fromArray(S4, x, from + pairs));
            s = (t.lane(0) + t.lane(2)) + (t.lane(1) + t.lane(3));
        } else {
            s = (a.lane(0) + a.lane(2)) + (a.lane(1) + a.lane(3));
        }
        for (int i = from + packets; i < from + n; i++) s += x[i];
        return s;
    }

    @Override
    public void range(float[] x, int from, int to, float[] range) {
        FloatVector lo = FloatVector.zero(S), hi = lo;
        int i = from;
        for (; i + VL <= to; i += VL) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            lo = lo.min(v);
            hi = hi.max(v);
        }
        float min = lo.reduceLanes(VectorOperators.MIN), max = hi.reduceLanes(VectorOperators.MAX);
        for (; i < to; i++) {
            min = Math.min(min, x[i]);
            max = Math.max(max, x[i]);
        }
        range[0] = min;
        range[1] = max;
    }

    /** 1.5 * 2^23: adding and subtracting it rounds a float below 2^22 to a whole number, half to even. */
    private static final float MAGIC = 0x1.8p23f;

    /**
     * Division (not a multiply by the reciprocal) as the reference; round-half-even by adding and
     * subtracting 1.5 * 2^23, exact because |x / scale| stays within 256 once the range holds x.
     */
    @Override
    public void quantize(float[] x, int from, int to, float scale, float zp, float[] q) {
        int i = from;
        for (; i + VL <= to; i += VL) {
            FloatVector v = FloatVector.fromArray(S, x, i).div(scale).add(MAGIC).sub(MAGIC).add(zp);
            v.max(0f).min(255f).sub(zp).intoArray(q, i);
        }
        for (; i < to; i++) q[i] = DynamicQuantization.level(x[i], scale, zp);
    }

    /**
     * {@link OrtMath#gelu} on whole vectors: both erf branches, blended by |z| against the split
     * point. One straight-line method with the polynomials written out: a helper taking or
     * returning vectors that the compiler does not inline boxes every vector.
     */
    @Override
    public void gelu(float[] x, int from, int to) {
        float[] sm = OrtMath.ERF_SMALL, bg = OrtMath.ERF_BIG, ex = OrtMath.ERF_EXP;
        FloatVector s0 = FloatVector.broadcast(S, sm[0]), s1 = FloatVector.broadcast(S, sm[1]), s2 = FloatVector.broadcast(S, sm[2]),
                s3 = FloatVector.broadcast(S, sm[3]), s4 = FloatVector.broadcast(S, sm[4]), s5 = FloatVector.broadcast(S, sm[5]);
        FloatVector b0 = FloatVector.broadcast(S, bg[0]), b1 = FloatVector.broadcast(S, bg[1]), b2 = FloatVector.broadcast(S, bg[2]),
                b3 = FloatVector.broadcast(S, bg[3]), b4 = FloatVector.broadcast(S, bg[4]), b5 = FloatVector.broadcast(S, bg[5]),
                b6 = FloatVector.broadcast(S, bg[6]);
        FloatVector e0 = FloatVector.broadcast(S, ex[0]), e1 = FloatVector.broadcast(S, ex[1]), e2 = FloatVector.broadcast(S, ex[2]),
                e3 = FloatVector.broadcast(S, ex[3]), e4 = FloatVector.broadcast(S, ex[4]), e5 = FloatVector.broadcast(S, ex[5]),
                e6 = FloatVector.broadcast(S, ex[6]);
        FloatVector c = FloatVector.broadcast(S, OrtMath.ERF_EXP_C), log2e = FloatVector.broadcast(S, OrtMath.LOG2E);
        FloatVector ln2High = FloatVector.broadcast(S, OrtMath.LN2_HIGH), ln2Low = FloatVector.broadcast(S, OrtMath.LN2_LOW);
        int i = from;
        for (; i + VL <= to; i += VL) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            FloatVector z = v.div(OrtMath.SQRT2);
            FloatVector a = z.abs();
            // |z| < split: a + a * P(a^2)
            FloatVector q = a.mul(a);
            FloatVector small = s0.fma(q, s1).fma(q, s2).fma(q, s3).fma(q, s4).fma(q, s5).fma(a, a);
            // otherwise: 1 - e^(-(a + a * P(a)))
            FloatVector r = b0.fma(a, b1).fma(a, b2).fma(a, b3).fma(a, b4).fma(a, b5).fma(a, b6).fma(a, a).neg()
                    .max(OrtMath.ERF_EXP_LOWER);
            FloatVector tc = log2e.fma(r, c);
            FloatVector t = tc.sub(c);
            FloatVector f = t.fma(ln2Low, t.fma(ln2High, r));
            FloatVector y = e0.fma(f, e1).fma(f, e2).fma(f, e3).fma(f, e4).fma(f, e5).fma(f, e6);
            // 2^t: t is a whole number in [-128, 0] held as c + t, whose bits are c's bits plus t (no
            // float-to-int conversion, which the Vector API does not compile to one instruction here)
            FloatVector pow = tc.reinterpretAsInts().sub(ERF_EXP_C_BITS - 127).lanewise(VectorOperators.LSHL, 23)
                    .reinterpretAsFloats();
            FloatVector big = y.mul(pow).neg().add(1f);
            FloatVector e = small.blend(big, a.compare(VectorOperators.GE, OrtMath.ERF_SPLIT));
            // erf takes the sign of z
            FloatVector erf = e.reinterpretAsInts().or(z.reinterpretAsInts().and(0x80000000)).reinterpretAsFloats();
            v.mul(erf.add(1f)).mul(0.5f).intoArray(x, i);
        }
        ScalarBertKernels.INSTANCE.gelu(x, i, to);
    }

    private static final int ERF_EXP_C_BITS = Float.floatToRawIntBits(OrtMath.ERF_EXP_C);
}
