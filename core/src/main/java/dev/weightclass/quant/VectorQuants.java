package dev.weightclass.quant;

import dev.weightclass.tensor.TensorType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API kernels for the hot types (Q8_0, Q4_0 encode and decode; Q4_K, Q6_K decode; the
 * Q4_K, Q5_K and Q6_K scale searches, one trial scale per lane). Quantizers give the same bytes as the scalar ports
 * (only exact operations are reordered: max, integer packing); dequantizers give the same
 * floats; dot products sum in lane order, so they differ from the scalar sum by rounding only.
 * NaN inputs are outside the byte-identity promise.
 */
final class VectorQuants {
    private VectorQuants() {}

    /** Up to 16 lanes: a 32-element block is a whole number of vectors. */
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.length() > 16
            ? FloatVector.SPECIES_512 : FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    static final int LANES = F.length();
    /** LANES bytes, widened to LANES ints or floats. */
    private static final VectorSpecies<Byte> B = LANES >= 8
            ? VectorSpecies.of(byte.class, VectorShape.forBitSize(LANES * 8)) : ByteVector.SPECIES_64;

    /** Vector kernels are used only where the hardware has 8 or 16 float lanes. */
    static boolean usable() {
        return LANES >= 8 && 32 % LANES == 0;
    }

    /** C roundf of each lane, exactly: truncate, then step away from zero when |fraction| >= 0.5. */
    static IntVector roundHalfAway(FloatVector p) {
        IntVector t = (IntVector) p.convertShape(VectorOperators.F2I, I, 0);
        FloatVector frac = p.sub((FloatVector) t.convertShape(VectorOperators.I2F, F, 0));
        IntVector one = IntVector.broadcast(I, 1);
        VectorMask<Integer> up = frac.compare(VectorOperators.GE, 0.5f).cast(I);
        VectorMask<Integer> down = frac.compare(VectorOperators.LE, -0.5f).cast(I);
        return t.add(one, up).sub(one, down);
    }

    /**
     * {@link KQuantMath.TrialSums} with one trial scale per lane: every lane does the scalar
     * search's float operations in its order (multiply, add 1.5*2^23, take the mantissa bits,
     * clamp, convert, multiply-add without fusing), so the sums are the scalar ones bit for bit.
     */
    static void trialSums(int n, int nmax, float[] x, int xo, float[] w, float[] wx, float[] num, float max,
                          float[] isc, float[] sumlx, float[] suml2, int trials) {
        IntVector lo = IntVector.broadcast(I, -nmax), hi = IntVector.broadcast(I, nmax - 1);
        for (int t0 = 0; t0 < isc.length; t0 += LANES) FloatVector.fromArray(F, num, t0).div(max).intoArray(isc, t0);
        for (int t0 = 0; t0 < trials; t0 += LANES) {
            FloatVector is = FloatVector.fromArray(F, isc, t0);
            FloatVector sx = FloatVector.zero(F), s2 = FloatVector.zero(F);
            for (int i = 0; i < n; i++) {
                IntVector bits = is.mul(x[xo + i]).add(12582912.f).reinterpretAsInts();
                IntVector l = bits.and(0x007fffff).sub(0x00400000).max(lo).min(hi);
                FloatVector lf = (FloatVector) l.convertShape(VectorOperators.I2F, F, 0);
                sx = sx.add(lf.mul(wx[i]));
                s2 = s2.add(lf.mul(w[i]).mul(lf));
            }
            sx.intoArray(sumlx, t0);
            s2.intoArray(suml2, t0);
        }
    }

    /**
     * {@link KQuantMath.Qkx2Trials} with one trial per lane ({@code LANES} side by side): each
     * lane does the reference trial's float operations in its order (levels, the three weighted
     * sums over the values in order, the least-squares solve, the weighted error), so each lane's
     * results are the scalar trial's bit for bit. Lanes past {@code count} compute padding and are
     * not read.
     */
    static final KQuantMath.Qkx2Trials QKX2 = new KQuantMath.Qkx2Trials() {
        @Override
        public int group() { return LANES; }

        @Override
        public void fit(int n, int nmax, float[] x, int xo, float[] w, float range, float sumW, float sumX,
                        int t0, int count, boolean useMad, KQuantMath.Qkx2Scratch s) {
            IntVector zero = IntVector.zero(I), top = IntVector.broadcast(I, nmax);
            float[] xm = s.xm;
            FloatVector iscale = FloatVector.fromArray(F, s.num, t0).div(range);
            FloatVector sumL = FloatVector.zero(F), sumL2 = sumL, sumXl = sumL;
            for (int i = 0; i < n; i++) {
                FloatVector l = levels(iscale, xm[i], zero, top);
                FloatVector wl = l.mul(w[i]);
                sumL = sumL.add(wl);
                sumL2 = sumL2.add(wl.mul(l));
                sumXl = sumXl.add(wl.mul(x[xo + i]));
            }
            FloatVector D = sumL2.mul(sumW).sub(sumL.mul(sumL));
            FloatVector thisScale = sumXl.mul(sumW).sub(sumL.mul(sumX)).div(D);
            FloatVector thisMin = sumL2.mul(sumX).sub(sumL.mul(sumXl)).div(D);
            VectorMask<Float> positive = thisMin.compare(VectorOperators.GT, 0f);
            thisScale = thisScale.blend(sumXl.div(sumL2), positive);
            thisMin = thisMin.blend(0f, positive);
            FloatVector cur = FloatVector.zero(F);
            for (int i = 0; i < n; i++) {
                FloatVector diff = thisScale.mul(levels(iscale, xm[i], zero, top)).add(thisMin).sub(x[xo + i]);
                diff = useMad ? diff.abs() : diff.mul(diff);
                cur = cur.add(diff.mul(w[i]));
            }
            D.intoArray(s.d, 0);
            thisScale.intoArray(s.scale, 0);
            thisMin.intoArray(s.min, 0);
            cur.intoArray(s.err, 0);
        }

        /** clamp(nearest_int(iscale * xm), 0, nmax) per lane, as floats. */
        private static FloatVector levels(FloatVector iscale, float xm, IntVector zero, IntVector top) {
            IntVector bits = iscale.mul(xm).add(12582912.f).reinterpretAsInts();
            IntVector l = bits.and(0x007fffff).sub(0x00400000).max(zero).min(top);
            return (FloatVector) l.convertShape(VectorOperators.I2F, F, 0);
        }
    };

    static float absMax(float[] x, int xo, int n) {
        FloatVector m = FloatVector.zero(F);
        for (int j = 0; j < n; j += LANES) m = m.max(FloatVector.fromArray(F, x, xo + j).abs());
        return m.reduceLanes(VectorOperators.MAX);
    }

    /** The first element whose magnitude equals {@code amax} (ggml keeps the first on ties). */
    static float firstWithMagnitude(float[] x, int xo, int n, float amax) {
        for (int j = 0; j < n; j += LANES) {
            VectorMask<Float> hit = FloatVector.fromArray(F, x, xo + j).abs().compare(VectorOperators.EQ, amax);
            if (hit.anyTrue()) return x[xo + j + hit.firstTrue()];
        }
        return 0;
    }

    static final class Q8_0 extends BlockQuantizer {
        Q8_0() { super(TensorType.Q8_0); }

        @Override
        void quantizeBlock(float[] x, int xo, byte[] y, int yo) {
            float amax = absMax(x, xo, 32);
            float d = amax / ((1 << 7) - 1);
            float id = d != 0 ? 1.0f / d : 0.0f;
            Half.putFloat(y, yo, d);
            for (int j = 0; j < 32; j += LANES) {
                IntVector q = roundHalfAway(FloatVector.fromArray(F, x, xo + j).mul(id));
                ((ByteVector) q.convertShape(VectorOperators.I2B, B, 0)).intoArray(y, yo + 2 + j);
            }
        }

        @Override
        void dequantizeBlock(byte[] b, int bo, float[] y, int yo) {
            float d = Half.getFloat(b, bo);
            for (int j = 0; j < 32; j += LANES) {
                FloatVector q = loadBytesAsFloats(b, bo + 2 + j);
                q.mul(d).intoArray(y, yo + j);
            }
        }

        @Override
        public float dot(byte[] in, int inOff, float[] x, int xOff, int n) {
            int nb = blocks(n);
            FloatVector acc = FloatVector.zero(F);
            for (int i = 0; i < nb; i++) {
                int bo = inOff + i * 34, xo = xOff + i * 32;
                float d = Half.getFloat(in, bo);
                FloatVector s = FloatVector.zero(F);
                for (int j = 0; j < 32; j += LANES) {
                    s = loadBytesAsFloats(in, bo + 2 + j).fma(FloatVector.fromArray(F, x, xo + j), s);
                }
                acc = s.fma(FloatVector.broadcast(F, d), acc);
            }
            return acc.reduceLanes(VectorOperators.ADD);
        }
    }

    static final class Q4_0 extends BlockQuantizer {
        Q4_0() { super(TensorType.Q4_0); }

        @Override
        void quantizeBlock(float[] x, int xo, byte[] y, int yo) {
            float amax = absMax(x, xo, 32);
            float max = firstWithMagnitude(x, xo, 32, amax);
            float d = max / -8;
            float id = d != 0 ? 1.0f / d : 0.0f;
            Half.putFloat(y, yo, d);
            IntVector fifteen = IntVector.broadcast(I, 15);
            for (int j = 0; j < 16; j += LANES) {
                IntVector lo = nibbleCode(x, xo + j, id).min(fifteen);
                IntVector hi = nibbleCode(x, xo + 16 + j, id).min(fifteen);
                IntVector packed = lo.or(hi.lanewise(VectorOperators.LSHL, 4));
                ((ByteVector) packed.convertShape(VectorOperators.I2B, B, 0)).intoArray(y, yo + 2 + j);
            }
        }

        private static IntVector nibbleCode(float[] x, int off, float id) {
            FloatVector v = FloatVector.fromArray(F, x, off).mul(id).add(8.5f);
            return (IntVector) v.convertShape(VectorOperators.F2I, I, 0);
        }

        @Override
        void dequantizeBlock(byte[] b, int bo, float[] y, int yo) {
            float d = Half.getFloat(b, bo);
            for (int j = 0; j < 16; j += LANES) {
                IntVector q = loadBytesAsInts(b, bo + 2 + j);
                ((FloatVector) q.and(0xF).sub(8).convertShape(VectorOperators.I2F, F, 0)).mul(d).intoArray(y, yo + j);
                ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).sub(8).convertShape(VectorOperators.I2F, F, 0))
                        .mul(d).intoArray(y, yo + 16 + j);
            }
        }

        @Override
        public float dot(byte[] in, int inOff, float[] x, int xOff, int n) {
            int nb = blocks(n);
            FloatVector acc = FloatVector.zero(F);
            for (int i = 0; i < nb; i++) {
                int bo = inOff + i * 18, xo = xOff + i * 32;
                float d = Half.getFloat(in, bo);
                FloatVector s = FloatVector.zero(F);
                for (int j = 0; j < 16; j += LANES) {
                    IntVector q = loadBytesAsInts(in, bo + 2 + j);
                    FloatVector lo = (FloatVector) q.and(0xF).sub(8).convertShape(VectorOperators.I2F, F, 0);
                    FloatVector hi = (FloatVector) q.lanewise(VectorOperators.LSHR, 4).sub(8).convertShape(VectorOperators.I2F, F, 0);
                    s = lo.fma(FloatVector.fromArray(F, x, xo + j), s);
                    s = hi.fma(FloatVector.fromArray(F, x, xo + 16 + j), s);
                }
                acc = s.fma(FloatVector.broadcast(F, d), acc);
            }
            return acc.reduceLanes(VectorOperators.ADD);
        }
    }

    /** Q4_K: quantization by the scalar port; decoding and dot products in vectors. */
    static final class Q4_K extends BlockQuantizer {
        private final KQuants.Q4_K scalar = new KQuants.Q4_K(QKX2);

        Q4_K() { super(TensorType.Q4_K); }

        @Override
        void quantizeBlock(float[] x, int xo, byte[] y, int yo) { scalar.quantizeBlock(x, xo, y, yo); }

        @Override
        void dequantizeBlock(byte[] b, int bo, float[] y, int yo) {
            float d = Half.getFloat(b, bo), min = Half.getFloat(b, bo + 2);
            int q = bo + 16, out = yo;
            for (int is = 0; is < 8; is += 2) {
                float d1 = d * KQuantMath.scaleK4(is, b, bo + 4), m1 = min * KQuantMath.minK4(is, b, bo + 4);
                float d2 = d * KQuantMath.scaleK4(is + 1, b, bo + 4), m2 = min * KQuantMath.minK4(is + 1, b, bo + 4);
                for (int l = 0; l < 32; l += LANES) {
                    IntVector v = loadBytesAsInts(b, q + l);
                    ((FloatVector) v.and(0xF).convertShape(VectorOperators.I2F, F, 0)).mul(d1).sub(m1).intoArray(y, out + l);
                    ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).convertShape(VectorOperators.I2F, F, 0))
                            .mul(d2).sub(m2).intoArray(y, out + 32 + l);
                }
                q += 32;
                out += 64;
            }
        }

        @Override
        public float dot(byte[] in, int inOff, float[] x, int xOff, int n) {
            int nb = blocks(n);
            FloatVector acc = FloatVector.zero(F);
            for (int i = 0; i < nb; i++) {
                int bo = inOff + i * 144, xo = xOff + i * 256, q = bo + 16;
                float d = Half.getFloat(in, bo), min = Half.getFloat(in, bo + 2);
                for (int is = 0; is < 8; is += 2) {
                    float d1 = d * KQuantMath.scaleK4(is, in, bo + 4), m1 = min * KQuantMath.minK4(is, in, bo + 4);
                    float d2 = d * KQuantMath.scaleK4(is + 1, in, bo + 4), m2 = min * KQuantMath.minK4(is + 1, in, bo + 4);
                    for (int l = 0; l < 32; l += LANES) {
                        IntVector v = loadBytesAsInts(in, q + l);
                        FloatVector lo = ((FloatVector) v.and(0xF).convertShape(VectorOperators.I2F, F, 0)).mul(d1).sub(m1);
                        FloatVector hi = ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).convertShape(VectorOperators.I2F, F, 0))
                                .mul(d2).sub(m2);
                        acc = lo.fma(FloatVector.fromArray(F, x, xo + l), acc);
                        acc = hi.fma(FloatVector.fromArray(F, x, xo + 32 + l), acc);
                    }
                    q += 32;
                    xo += 64;
                }
            }
            return acc.reduceLanes(VectorOperators.ADD);
        }
    }

    /** Q5_K: the scalar port with the scale search's trials side by side ({@link #QKX2}). */
    static final class Q5_K extends BlockQuantizer {
        private final KQuants.Q5_K scalar = new KQuants.Q5_K(QKX2);

        Q5_K() { super(TensorType.Q5_K); }

        @Override
        void quantizeBlock(float[] x, int xo, byte[] y, int yo) { scalar.quantizeBlock(x, xo, y, yo); }

        @Override
        void dequantizeBlock(byte[] b, int bo, float[] y, int yo) { scalar.dequantizeBlock(b, bo, y, yo); }
    }

    /** Q6_K: quantization by the scalar port; decoding and dot products in vectors. */
    static final class Q6_K extends BlockQuantizer {
        private final KQuants.Q6_K scalar = new KQuants.Q6_K(VectorQuants::trialSums);

        Q6_K() { super(TensorType.Q6_K); }

        @Override
        void quantizeBlock(float[] x, int xo, byte[] y, int yo) { scalar.quantizeBlock(x, xo, y, yo); }

        @Override
        public void quantize(float[] x, int xOff, int n, byte[] out, int outOff) { scalar.quantize(x, xOff, n, out, outOff); }

        /** The 4 decoded values groups (l, l+32, l+64, l+96) of lanes l..l+LANES of a 128-chunk. */
        private static void decode(byte[] b, int ql, int qh, int l, IntVector[] q) {
            IntVector lo = loadBytesAsInts(b, ql + l), lo2 = loadBytesAsInts(b, ql + 32 + l), h = loadBytesAsInts(b, qh + l);
            q[0] = lo.and(0xF).or(h.and(3).lanewise(VectorOperators.LSHL, 4)).sub(32);
            q[1] = lo2.and(0xF).or(h.lanewise(VectorOperators.LSHR, 2).and(3).lanewise(VectorOperators.LSHL, 4)).sub(32);
            q[2] = lo.lanewise(VectorOperators.LSHR, 4).or(h.lanewise(VectorOperators.LSHR, 4).and(3).lanewise(VectorOperators.LSHL, 4)).sub(32);
            q[3] = lo2.lanewise(VectorOperators.LSHR, 4).or(h.lanewise(VectorOperators.LSHR, 6).and(3).lanewise(VectorOperators.LSHL, 4)).sub(32);
        }

        @Override
        void dequantizeBlock(byte[] b, int bo, float[] y, int yo) {
            float d = Half.getFloat(b, bo + 208);
            IntVector[] q = new IntVector[4];
            int ql = bo, qh = bo + 128, sc = bo + 192, out = yo;
            for (int n = 0; n < 256; n += 128) {
                for (int l = 0; l < 32; l += LANES) {
                    decode(b, ql, qh, l, q);
                    for (int k = 0; k < 4; k++) {
                        // ggml computes (d * scale) * q; lanes l..l+LANES share one scale (16 values each)
                        float ds = d * b[sc + l / 16 + 2 * k];
                        ((FloatVector) q[k].convertShape(VectorOperators.I2F, F, 0)).mul(ds).intoArray(y, out + l + 32 * k);
                    }
                }
                out += 128;
                ql += 64;
                qh += 32;
                sc += 8;
            }
        }

        @Override
        public float dot(byte[] in, int inOff, float[] x, int xOff, int n) {
            int nb = blocks(n);
            FloatVector acc = FloatVector.zero(F);
            IntVector[] q = new IntVector[4];
            for (int i = 0; i < nb; i++) {
                int bo = inOff + i * 210, xo = xOff + i * 256;
                float d = Half.getFloat(in, bo + 208);
                int ql = bo, qh = bo + 128, sc = bo + 192;
                for (int chunk = 0; chunk < 2; chunk++) {
                    for (int l = 0; l < 32; l += LANES) {
                        decode(in, ql, qh, l, q);
                        for (int k = 0; k < 4; k++) {
                            float ds = d * in[sc + l / 16 + 2 * k];
                            FloatVector w = ((FloatVector) q[k].convertShape(VectorOperators.I2F, F, 0)).mul(ds);
                            acc = w.fma(FloatVector.fromArray(F, x, xo + l + 32 * k), acc);
                        }
                    }
                    xo += 128;
                    ql += 64;
                    qh += 32;
                    sc += 8;
                }
            }
            return acc.reduceLanes(VectorOperators.ADD);
        }
    }

    /** LANES signed bytes widened to floats. */
    static FloatVector loadBytesAsFloats(byte[] b, int off) {
        return (FloatVector) ByteVector.fromArray(B, b, off).convertShape(VectorOperators.B2F, F, 0);
    }

    /** LANES unsigned bytes widened to ints. */
    static IntVector loadBytesAsInts(byte[] b, int off) {
        return ((IntVector) ByteVector.fromArray(B, b, off).convertShape(VectorOperators.B2I, I, 0)).and(0xFF);
    }
}
