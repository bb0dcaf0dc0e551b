package dev.weightclass.runtime;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Q4_0 rows regrouped so that one vector lane follows one row: the layout the generation kernel
 * (one token times the weight) reads fastest. In ggml's layout a row is a run of 18-byte blocks
 * (an F16 scale, 16 bytes of nibbles), and a dot product ends every 32-element block with a
 * horizontal step (widen, convert, scale) per row. Here 32 rows are stored side by side, so a
 * 32-byte load holds the same byte of one block of all 32 rows: the products with the activation
 * accumulate in 16-bit lanes, one lane per row, and each block ends with one conversion and one
 * multiply-add for all 32 rows at once. Same bytes as the source (576 per block of 32 rows).
 *
 * <p>Group g, block b starts at {@code (g * blocks + b) * 576}: 16 columns of 32 bytes (byte k of
 * the block for the 32 rows), then the 32 rows' F16 scales. Row r of the group sits in lane
 * {@link #lane(int)}: even lanes hold rows 0-15, odd lanes rows 16-31, so that splitting the 16-bit
 * lanes into the even and odd halves of 32-bit lanes yields rows in order. Each byte keeps its low
 * nibble and flips the top bit of its high nibble: sign-extended and shifted right by 4 it gives
 * {@code high - 8} directly, and the low nibble's {@code - 8} is taken off once per block through
 * the activation's block sum.
 *
 * <p>The result is bit-identical to {@link BlockDots#q4_0}: each block's integer sum is exact and
 * the blocks are summed in order, {@code sum += isum * (dw * dx)}.
 */
final class InterleavedQ4_0 {
    private InterleavedQ4_0() {}

    static final int ROWS = 32;
    static final int GROUP_BLOCK_BYTES = 576;

    private static final VectorSpecies<Byte> B256 = ByteVector.SPECIES_256;
    private static final VectorSpecies<Short> S512 = ShortVector.SPECIES_512;
    private static final VectorSpecies<Integer> I512 = IntVector.SPECIES_512;
    private static final VectorSpecies<Float> F512 = FloatVector.SPECIES_512;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** True when this machine runs 512-bit vectors natively (the kernel's lane plan assumes it). */
    static boolean available() {
        return FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512;
    }

    /** The lane (byte position within a 32-byte column) of row r of a group. */
    static int lane(int r) {
        return r < 16 ? 2 * r : 2 * (r - 16) + 1;
    }

    /** The first {@code rows / 32 * 32} rows of a Q4_0 weight, regrouped into native memory of {@code arena}. */
    static MemorySegment pack(WeightMatrix w, Arena arena, Kernels threads) {
        return RowGroups.pack(w, ROWS, ROW_AT, SCALE_AT, 0x8080808080808080L, arena, threads);
    }

    private static final int[] ROW_AT = RowGroups.rowsAt(ROWS, InterleavedQ4_0::lane);
    private static final int[] SCALE_AT = new int[ROWS];
    static {
        for (int r = 0; r < ROWS; r++) SCALE_AT[r] = 2 * lane(r);
    }

    /**
     * {@code out[32g + r] = W[32g + r, :] · x} for groups [g0, g1); x is quantized to Q8_0 blocks.
     * One method with no calls left after inlining the Vector API: a helper that the JIT does not
     * inline would box every vector it passes.
     */
    static void matvec(MemorySegment p, int cols, QuantizedInput x, float[] out, int g0, int g1) {
        int blocks = cols / 32;
        short[] xs = x.qs;
        float[] xd = x.d;
        int[] low = x.lowSums;
        for (int g = g0; g < g1; g++) {
            FloatVector acc0 = FloatVector.zero(F512), acc1 = acc0;
            long o = (long) g * blocks * GROUP_BLOCK_BYTES;
            for (int b = 0; b < blocks; b++, o += GROUP_BLOCK_BYTES) {
                // 16-bit lanes, one per row: sum over the block of low nibble * x and (high - 8) * x.
                // |15 * 127| * 16 and |8 * 127| * 16 stay below 2^15: both sums are exact.
                ShortVector lo = ShortVector.zero(S512), hi = lo;
                int xo = 32 * b;
                for (int k = 0; k < 16; k++) {
                    ShortVector v = (ShortVector) ByteVector.fromMemorySegment(B256, p, o + 32L * k, LE)
                            .convertShape(VectorOperators.B2S, S512, 0);
                    lo = v.and((short) 15).mul(xs[xo + k]).add(lo);
                    hi = v.lanewise(VectorOperators.ASHR, 4).mul(xs[xo + 16 + k]).add(hi);
                }
                // Even 16-bit lanes (rows 0-15) and odd ones (rows 16-31) as 32-bit integers, minus 8 * sum(x low half).
                IntVector l32 = lo.reinterpretAsInts(), h32 = hi.reinterpretAsInts();
                int c = 8 * low[b];
                IntVector i0 = l32.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(h32.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).sub(c);
                IntVector i1 = l32.lanewise(VectorOperators.ASHR, 16).add(h32.lanewise(VectorOperators.ASHR, 16)).sub(c);
                // The 32 F16 scales, even and odd halves, to F32: exponent and mantissa moved into place and
                // rebiased by 2^112 (exact, subnormals included), sign put back; times the activation scale.
                IntVector sc = IntVector.fromMemorySegment(I512, p, o + 512, LE);
                float dx = x.d[b];
                FloatVector d0 = sc.and(0x7FFF).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f);
                FloatVector d1 = sc.lanewise(VectorOperators.LSHR, 3).and(0x7FFF << 13).reinterpretAsFloats().mul(0x1p112f);
                d0 = d0.reinterpretAsInts().or(sc.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats().mul(dx);
                d1 = d1.reinterpretAsInts().or(sc.and(0x80000000)).reinterpretAsFloats().mul(dx);
                acc0 = acc0.add(((FloatVector) i0.convert(VectorOperators.I2F, 0)).mul(d0));
                acc1 = acc1.add(((FloatVector) i1.convert(VectorOperators.I2F, 0)).mul(d1));
            }
            acc0.intoArray(out, g * ROWS);
            acc1.intoArray(out, g * ROWS + 16);
        }
    }

    /**
     * {@link #matvec} for four tokens at once: each loaded and unpacked weight vector meets four
     * activations (prompt processing). Per token the same operations in the same order: the
     * results equal four {@link #matvec} calls bit for bit.
     */
    static void matvec4(MemorySegment p, int cols, QuantizedInput[] x, int t, float[][] out, int g0, int g1) {
        int blocks = cols / 32;
        QuantizedInput xa = x[t], xb = x[t + 1], xc = x[t + 2], xe = x[t + 3];
        short[] sa = xa.qs, sb = xb.qs, scc = xc.qs, se = xe.qs;
        for (int g = g0; g < g1; g++) {
            FloatVector a0 = FloatVector.zero(F512), a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0, e0 = a0, e1 = a0;
            long o = (long) g * blocks * GROUP_BLOCK_BYTES;
            for (int b = 0; b < blocks; b++, o += GROUP_BLOCK_BYTES) {
                ShortVector la = ShortVector.zero(S512), ha = la, lb = la, hb = la, lc = la, hc = la, le = la, he = la;
                int xo = 32 * b;
                for (int k = 0; k < 16; k++) {
                    ShortVector v = (ShortVector) ByteVector.fromMemorySegment(B256, p, o + 32L * k, LE)
                            .convertShape(VectorOperators.B2S, S512, 0);
                    ShortVector vl = v.and((short) 15), vh = v.lanewise(VectorOperators.ASHR, 4);
                    int lo = xo + k, hi = xo + 16 + k;
                    la = vl.mul(sa[lo]).add(la);
                    ha = vh.mul(sa[hi]).add(ha);
                    lb = vl.mul(sb[lo]).add(lb);
                    hb = vh.mul(sb[hi]).add(hb);
                    lc = vl.mul(scc[lo]).add(lc);
                    hc = vh.mul(scc[hi]).add(hc);
                    le = vl.mul(se[lo]).add(le);
                    he = vh.mul(se[hi]).add(he);
                }
                IntVector sc = IntVector.fromMemorySegment(I512, p, o + 512, LE);
                FloatVector d0 = sc.and(0x7FFF).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f);
                FloatVector d1 = sc.lanewise(VectorOperators.LSHR, 3).and(0x7FFF << 13).reinterpretAsFloats().mul(0x1p112f);
                d0 = d0.reinterpretAsInts().or(sc.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
                d1 = d1.reinterpretAsInts().or(sc.and(0x80000000)).reinterpretAsFloats();
                // per token: even/odd split, minus 8 * sum(x low half), times (dw * dx), added in block order
                IntVector l32 = la.reinterpretAsInts(), h32 = ha.reinterpretAsInts();
                int cc = 8 * xa.lowSums[b];
                float dx = xa.d[b];
                a0 = a0.add(((FloatVector) l32.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(h32.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).sub(cc)
                        .convert(VectorOperators.I2F, 0)).mul(d0.mul(dx)));
                a1 = a1.add(((FloatVector) l32.lanewise(VectorOperators.ASHR, 16).add(h32.lanewise(VectorOperators.ASHR, 16)).sub(cc)
                        .convert(VectorOperators.I2F, 0)).mul(d1.mul(dx)));
                l32 = lb.reinterpretAsInts();
                h32 = hb.reinterpretAsInts();
                cc = 8 * xb.lowSums[b];
                dx = xb.d[b];
                b0 = b0.add(((FloatVector) l32.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(h32.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).sub(cc)
                        .convert(VectorOperators.I2F, 0)).mul(d0.mul(dx)));
                b1 = b1.add(((FloatVector) l32.lanewise(VectorOperators.ASHR, 16).add(h32.lanewise(VectorOperators.ASHR, 16)).sub(cc)
                        .convert(VectorOperators.I2F, 0)).mul(d1.mul(dx)));
                l32 = lc.reinterpretAsInts();
                h32 = hc.reinterpretAsInts();
                cc = 8 * xc.lowSums[b];
                dx = xc.d[b];
                c0 = c0.add(((FloatVector) l32.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(h32.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).sub(cc)
                        .convert(VectorOperators.I2F, 0)).mul(d0.mul(dx)));
                c1 = c1.add(((FloatVector) l32.lanewise(VectorOperators.ASHR, 16).add(h32.lanewise(VectorOperators.ASHR, 16)).sub(cc)
                        .convert(VectorOperators.I2F, 0)).mul(d1.mul(dx)));
                l32 = le.reinterpretAsInts();
                h32 = he.reinterpretAsInts();
                cc = 8 * xe.lowSums[b];
                dx = xe.d[b];
                e0 = e0.add(((FloatVector) l32.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(h32.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).sub(cc)
                        .convert(VectorOperators.I2F, 0)).mul(d0.mul(dx)));
                e1 = e1.add(((FloatVector) l32.lanewise(VectorOperators.ASHR, 16).add(h32.lanewise(VectorOperators.ASHR, 16)).sub(cc)
                        .convert(VectorOperators.I2F, 0)).mul(d1.mul(dx)));
            }
            int r = g * ROWS;
            a0.intoArray(out[t], r);
            a1.intoArray(out[t], r + 16);
            b0.intoArray(out[t + 1], r);
            b1.intoArray(out[t + 1], r + 16);
            c0.intoArray(out[t + 2], r);
            c1.intoArray(out[t + 2], r + 16);
            e0.intoArray(out[t + 3], r);
            e1.intoArray(out[t + 3], r + 16);
        }
    }
}
