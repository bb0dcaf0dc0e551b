package dev.weightclass.runtime;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Q8_0 rows regrouped so that vector lanes follow rows, as {@link InterleavedQ4_0} does for Q4_0:
 * 64 rows side by side, so one 64-byte load holds the same element of all 64 rows. Loaded as 32
 * 16-bit lanes, each lane holds two rows' bytes; shifts give either row's signed value without a
 * widening conversion. An int8 times int8 product needs 15 bits, so a 16-bit lane cannot sum them;
 * the activation quant is split instead, {@code x = 16 * hi + lo} with lo in [0, 15] and hi in
 * [-8, 7], and {@code w * lo}, {@code w * hi} are summed over 16 columns in 16-bit lanes (at most
 * 16 * 128 * 15 and 16 * 128 * 8: exact), then widened once per half block.
 *
 * <p>Group g, block b starts at {@code (g * blocks + b) * 2176}: 32 columns of 64 bytes, then 64
 * F16 scales. Within a column, row r sits at byte {@link #position(int)}: the four 16-lane
 * vectors that the shifts produce then hold rows 0-15, 16-31, 32-47 and 48-63 in order; the scales
 * are stored in the same order (as pairs of 16-bit halves of 32-bit lanes).
 *
 * <p>Bit-identical to {@link BlockDots#q8_0}: exact block sums, blocks summed in order.
 */
final class InterleavedQ8_0 {
    private InterleavedQ8_0() {}

    static final int ROWS = 64;
    static final int GROUP_BLOCK_BYTES = 64 * 34;

    private static final VectorSpecies<Short> S512 = ShortVector.SPECIES_512;
    private static final VectorSpecies<Integer> I512 = IntVector.SPECIES_512;
    private static final VectorSpecies<Float> F512 = FloatVector.SPECIES_512;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /**
     * The byte of row r (0..63) within a 64-byte column. Quarter q = r / 16 and j = r % 16: quarters
     * 0, 1 are the low bytes of 16-bit lanes, 2, 3 the high bytes; quarters 0, 2 the low 16-bit halves
     * of 32-bit lanes, 1, 3 the high ones; j is the 32-bit lane.
     */
    static int position(int r) {
        int q = r / 16, j = r % 16;
        return 4 * j + 2 * (q % 2) + q / 2;
    }

    /** The first {@code rows / 64 * 64} rows of a Q8_0 weight, regrouped into native memory of {@code arena}. */
    static MemorySegment pack(WeightMatrix w, Arena arena, Kernels threads) {
        return RowGroups.pack(w, ROWS, ROW_AT, SCALE_AT, 0L, arena, threads);
    }

    private static final int[] ROW_AT = RowGroups.rowsAt(ROWS, InterleavedQ8_0::position);
    /** Scales: 32-bit lane j holds quarters 0 and 1 (first 64 bytes) or 2 and 3 (next 64). */
    private static final int[] SCALE_AT = new int[ROWS];
    static {
        for (int r = 0; r < ROWS; r++) {
            int q = r / 16;
            SCALE_AT[r] = 64 * (q / 2) + 4 * (r % 16) + 2 * (q % 2);
        }
    }

    /**
     * {@code out[64g + r] = W[64g + r, :] · x} for groups [g0, g1); x is quantized to Q8_0 blocks.
     * One method with no calls left after inlining: a helper the JIT does not inline would box the
     * vectors it passes.
     */
    static void matvec(MemorySegment p, int cols, QuantizedInput x, float[] out, int g0, int g1) {
        int blocks = cols / 32;
        short[] xl = x.qLow, xh = x.qHigh;
        float[] xd = x.d;
        for (int g = g0; g < g1; g++) {
            FloatVector acc0 = FloatVector.zero(F512), acc1 = acc0, acc2 = acc0, acc3 = acc0;
            long o = (long) g * blocks * GROUP_BLOCK_BYTES;
            for (int b = 0; b < blocks; b++, o += GROUP_BLOCK_BYTES) {
                IntVector s0 = IntVector.zero(I512), s1 = s0, s2 = s0, s3 = s0;
                for (int half = 0; half < 2; half++) {
                    ShortVector ae = ShortVector.zero(S512), ao = ae, be = ae, bo = ae;
                    int xo = 32 * b + 16 * half;
                    long co = o + 1024L * half;
                    for (int k = 0; k < 16; k++) {
                        ShortVector v = ShortVector.fromMemorySegment(S512, p, co + 64L * k, LE);
                        ShortVector e = v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8);
                        ShortVector od = v.lanewise(VectorOperators.ASHR, 8);
                        short lo = xl[xo + k], hi = xh[xo + k];
                        ae = e.mul(lo).add(ae);
                        ao = od.mul(lo).add(ao);
                        be = e.mul(hi).add(be);
                        bo = od.mul(hi).add(bo);
                    }
                    // 16-bit lanes to 32-bit (low and high halves), the hi sums times 16
                    IntVector aE = ae.reinterpretAsInts(), aO = ao.reinterpretAsInts();
                    IntVector bE = be.reinterpretAsInts(), bO = bo.reinterpretAsInts();
                    s0 = s0.add(aE.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                            .add(bE.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 12));
                    s1 = s1.add(aE.lanewise(VectorOperators.ASHR, 16))
                            .add(bE.lanewise(VectorOperators.ASHR, 16).lanewise(VectorOperators.LSHL, 4));
                    s2 = s2.add(aO.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                            .add(bO.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 12));
                    s3 = s3.add(aO.lanewise(VectorOperators.ASHR, 16))
                            .add(bO.lanewise(VectorOperators.ASHR, 16).lanewise(VectorOperators.LSHL, 4));
                }
                // 64 F16 scales to F32 (see InterleavedQ4_0), times the activation scale
                float dx = xd[b];
                IntVector sa = IntVector.fromMemorySegment(I512, p, o + 2048, LE);
                IntVector sb = IntVector.fromMemorySegment(I512, p, o + 2112, LE);
                FloatVector d0 = sa.and(0x7FFF).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f);
                FloatVector d1 = sa.lanewise(VectorOperators.LSHR, 3).and(0x7FFF << 13).reinterpretAsFloats().mul(0x1p112f);
                FloatVector d2 = sb.and(0x7FFF).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f);
                FloatVector d3 = sb.lanewise(VectorOperators.LSHR, 3).and(0x7FFF << 13).reinterpretAsFloats().mul(0x1p112f);
                d0 = d0.reinterpretAsInts().or(sa.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats().mul(dx);
                d1 = d1.reinterpretAsInts().or(sa.and(0x80000000)).reinterpretAsFloats().mul(dx);
                d2 = d2.reinterpretAsInts().or(sb.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats().mul(dx);
                d3 = d3.reinterpretAsInts().or(sb.and(0x80000000)).reinterpretAsFloats().mul(dx);
                acc0 = acc0.add(((FloatVector) s0.convert(VectorOperators.I2F, 0)).mul(d0));
                acc1 = acc1.add(((FloatVector) s1.convert(VectorOperators.I2F, 0)).mul(d1));
                acc2 = acc2.add(((FloatVector) s2.convert(VectorOperators.I2F, 0)).mul(d2));
                acc3 = acc3.add(((FloatVector) s3.convert(VectorOperators.I2F, 0)).mul(d3));
            }
            int r = g * ROWS;
            acc0.intoArray(out, r);
            acc1.intoArray(out, r + 16);
            acc2.intoArray(out, r + 32);
            acc3.intoArray(out, r + 48);
        }
    }

    /**
     * {@link #matvec} for two tokens at once (prompt processing): each loaded weight vector meets
     * both activations. Per token the same operations in the same order: the results equal two
     * {@link #matvec} calls bit for bit.
     */
    static void matvec2(MemorySegment p, int cols, QuantizedInput x, QuantizedInput y, float[] outX, float[] outY,
                        int g0, int g1) {
        int blocks = cols / 32;
        short[] xl = x.qLow, xh = x.qHigh, yl = y.qLow, yh = y.qHigh;
        for (int g = g0; g < g1; g++) {
            FloatVector x0 = FloatVector.zero(F512), x1 = x0, x2 = x0, x3 = x0, y0 = x0, y1 = x0, y2 = x0, y3 = x0;
            long o = (long) g * blocks * GROUP_BLOCK_BYTES;
            for (int b = 0; b < blocks; b++, o += GROUP_BLOCK_BYTES) {
                IntVector s0 = IntVector.zero(I512), s1 = s0, s2 = s0, s3 = s0, t0 = s0, t1 = s0, t2 = s0, t3 = s0;
                for (int half = 0; half < 2; half++) {
                    ShortVector ae = ShortVector.zero(S512), ao = ae, be = ae, bo = ae, ce = ae, co = ae, de = ae, dd = ae;
                    int xo = 32 * b + 16 * half;
                    long cb = o + 1024L * half;
                    for (int k = 0; k < 16; k++) {
                        ShortVector v = ShortVector.fromMemorySegment(S512, p, cb + 64L * k, LE);
                        ShortVector e = v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8);
                        ShortVector od = v.lanewise(VectorOperators.ASHR, 8);
                        short lo = xl[xo + k], hi = xh[xo + k], lo2 = yl[xo + k], hi2 = yh[xo + k];
                        ae = e.mul(lo).add(ae);
                        ao = od.mul(lo).add(ao);
                        be = e.mul(hi).add(be);
                        bo = od.mul(hi).add(bo);
                        ce = e.mul(lo2).add(ce);
                        co = od.mul(lo2).add(co);
                        de = e.mul(hi2).add(de);
                        dd = od.mul(hi2).add(dd);
                    }
                    IntVector aE = ae.reinterpretAsInts(), aO = ao.reinterpretAsInts();
                    IntVector bE = be.reinterpretAsInts(), bO = bo.reinterpretAsInts();
                    s0 = s0.add(aE.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                            .add(bE.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 12));
                    s1 = s1.add(aE.lanewise(VectorOperators.ASHR, 16))
                            .add(bE.lanewise(VectorOperators.ASHR, 16).lanewise(VectorOperators.LSHL, 4));
                    s2 = s2.add(aO.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                            .add(bO.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 12));
                    s3 = s3.add(aO.lanewise(VectorOperators.ASHR, 16))
                            .add(bO.lanewise(VectorOperators.ASHR, 16).lanewise(VectorOperators.LSHL, 4));
                    aE = ce.reinterpretAsInts();
                    aO = co.reinterpretAsInts();
                    bE = de.reinterpretAsInts();
                    bO = dd.reinterpretAsInts();
                    t0 = t0.add(aE.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                            .add(bE.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 12));
                    t1 = t1.add(aE.lanewise(VectorOperators.ASHR, 16))
                            .add(bE.lanewise(VectorOperators.ASHR, 16).lanewise(VectorOperators.LSHL, 4));
                    t2 = t2.add(aO.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                            .add(bO.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 12));
                    t3 = t3.add(aO.lanewise(VectorOperators.ASHR, 16))
                            .add(bO.lanewise(VectorOperators.ASHR, 16).lanewise(VectorOperators.LSHL, 4));
                }
                IntVector sa = IntVector.fromMemorySegment(I512, p, o + 2048, LE);
                IntVector sb = IntVector.fromMemorySegment(I512, p, o + 2112, LE);
                FloatVector d0 = sa.and(0x7FFF).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f);
                FloatVector d1 = sa.lanewise(VectorOperators.LSHR, 3).and(0x7FFF << 13).reinterpretAsFloats().mul(0x1p112f);
                FloatVector d2 = sb.and(0x7FFF).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f);
                FloatVector d3 = sb.lanewise(VectorOperators.LSHR, 3).and(0x7FFF << 13).reinterpretAsFloats().mul(0x1p112f);
                d0 = d0.reinterpretAsInts().or(sa.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
                d1 = d1.reinterpretAsInts().or(sa.and(0x80000000)).reinterpretAsFloats();
                d2 = d2.reinterpretAsInts().or(sb.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
                d3 = d3.reinterpretAsInts().or(sb.and(0x80000000)).reinterpretAsFloats();
                float dx = x.d[b], dy = y.d[b];
                x0 = x0.add(((FloatVector) s0.convert(VectorOperators.I2F, 0)).mul(d0.mul(dx)));
                x1 = x1.add(((FloatVector) s1.convert(VectorOperators.I2F, 0)).mul(d1.mul(dx)));
                x2 = x2.add(((FloatVector) s2.convert(VectorOperators.I2F, 0)).mul(d2.mul(dx)));
                x3 = x3.add(((FloatVector) s3.convert(VectorOperators.I2F, 0)).mul(d3.mul(dx)));
                y0 = y0.add(((FloatVector) t0.convert(VectorOperators.I2F, 0)).mul(d0.mul(dy)));
                y1 = y1.add(((FloatVector) t1.convert(VectorOperators.I2F, 0)).mul(d1.mul(dy)));
                y2 = y2.add(((FloatVector) t2.convert(VectorOperators.I2F, 0)).mul(d2.mul(dy)));
                y3 = y3.add(((FloatVector) t3.convert(VectorOperators.I2F, 0)).mul(d3.mul(dy)));
            }
            int r = g * ROWS;
            x0.intoArray(outX, r);
            x1.intoArray(outX, r + 16);
            x2.intoArray(outX, r + 32);
            x3.intoArray(outX, r + 48);
            y0.intoArray(outY, r);
            y1.intoArray(outY, r + 16);
            y2.intoArray(outY, r + 32);
            y3.intoArray(outY, r + 48);
        }
    }
}
