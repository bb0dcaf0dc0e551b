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
 * Vector API kernels for the hot types. Quantizers give the same bytes as the scalar ports
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

    /** LANES signed bytes widened to floats. */
    static FloatVector loadBytesAsFloats(byte[] b, int off) {
        return (FloatVector) ByteVector.fromArray(B, b, off).convertShape(VectorOperators.B2F, F, 0);
    }

    /** LANES unsigned bytes widened to ints. */
    static IntVector loadBytesAsInts(byte[] b, int off) {
        return ((IntVector) ByteVector.fromArray(B, b, off).convertShape(VectorOperators.B2I, I, 0)).and(0xFF);
    }
}
