package dev.weightclass.quant;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import static dev.weightclass.quant.Ggml.GROUP_MAX_EPS;

/**
 * The k-quant scale searches of {@link KQuantMath} run for 8 sub-blocks at once, one sub-block
 * per vector lane. Each lane performs exactly the scalar reference's float operations in the
 * scalar order (no fused multiply-add, sums over a sub-block's elements one after another), so
 * the bytes are the reference's; only independent sub-blocks run side by side. The sub-blocks
 * are transposed first ({@code xt[i * 8 + lane]}) so every step loads one vector.
 */
final class KQuantLanes {
    private KQuantLanes() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
    static final int LANES = 8;

    /** Vector kernels need 8 float lanes that the hardware runs natively. */
    static boolean usable() {
        return F.length() == LANES && FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 256;
    }

    /** ggml's nearest_int lane by lane: the 1.5*2^23 trick rounds half to even. */
    static IntVector nearestInt(FloatVector f) {
        return f.add(12582912.f).reinterpretAsInts().and(0x007fffff).sub(0x00400000);
    }

    static FloatVector toFloat(IntVector v) {
        return (FloatVector) v.convertShape(VectorOperators.I2F, F, 0);
    }

    /** Copies sub-blocks {@code first..first+7} of size {@code n} at x[xo + n*j] into xt[i*8 + lane]. */
    static void transpose(float[] x, int xo, int n, int first, float[] xt) {
        for (int lane = 0; lane < LANES; lane++) {
            int base = xo + n * (first + lane);
            for (int i = 0; i < n; i++) xt[i * LANES + lane] = x[base + i];
        }
    }

    /**
     * {@link KQuantMath#makeQxQuants} with rmseType 1 (weights x^2) and no importance weights, for
     * 8 sub-blocks of n values at once. Levels go to {@code L[lo + n*lane + i]}, scales to
     * {@code scales[sc + lane]}.
     */
    static void makeQxQuants(int n, int nmax, float[] xt, byte[] L, int lo, float[] scales, int sc, int[] lt) {
        FloatVector max = FloatVector.zero(F), amax = FloatVector.zero(F);
        for (int i = 0; i < n; i++) {
            FloatVector x = FloatVector.fromArray(F, xt, i * LANES);
            FloatVector ax = x.abs();
            VectorMask<Float> bigger = ax.compare(VectorOperators.GT, amax);
            amax = amax.blend(ax, bigger);
            max = max.blend(x, bigger);
        }
        VectorMask<Float> flat = amax.compare(VectorOperators.LT, GROUP_MAX_EPS);
        IntVector lnmax = IntVector.broadcast(I, -nmax), hnmax = IntVector.broadcast(I, nmax - 1);
        FloatVector iscale = FloatVector.broadcast(F, (float) -nmax).div(max);
        FloatVector sumlx = FloatVector.zero(F), suml2 = FloatVector.zero(F);
        for (int i = 0; i < n; i++) {
            FloatVector x = FloatVector.fromArray(F, xt, i * LANES);
            IntVector l = nearestInt(iscale.mul(x)).max(lnmax).min(hnmax);
            l.add(nmax).intoArray(lt, i * LANES);
            FloatVector lf = toFloat(l), w = x.mul(x);
            sumlx = sumlx.add(w.mul(x).mul(lf));
            suml2 = suml2.add(w.mul(lf).mul(lf));
        }
        FloatVector zero = FloatVector.zero(F);
        FloatVector scale = sumlx.div(suml2).blend(zero, suml2.compare(VectorOperators.EQ, 0f));
        FloatVector best = scale.mul(sumlx);
        for (int is = -9; is <= 9; is++) {
            if (is == 0) continue;
            iscale = FloatVector.broadcast(F, -(nmax + 0.1f * is)).div(max);
            sumlx = zero;
            suml2 = zero;
            for (int i = 0; i < n; i++) {
                FloatVector x = FloatVector.fromArray(F, xt, i * LANES);
                FloatVector lf = toFloat(nearestInt(iscale.mul(x)).max(lnmax).min(hnmax)), w = x.mul(x);
                sumlx = sumlx.add(w.mul(x).mul(lf));
                suml2 = suml2.add(w.mul(lf).mul(lf));
            }
            VectorMask<Float> better = suml2.compare(VectorOperators.GT, 0f)
                    .and(sumlx.mul(sumlx).compare(VectorOperators.GT, best.mul(suml2)));
            if (!better.anyTrue()) continue;
            VectorMask<Integer> betterI = better.cast(I);
            for (int i = 0; i < n; i++) {
                FloatVector x = FloatVector.fromArray(F, xt, i * LANES);
                IntVector l = nearestInt(iscale.mul(x)).max(lnmax).min(hnmax).add(nmax);
                IntVector.fromArray(I, lt, i * LANES).blend(l, betterI).intoArray(lt, i * LANES);
            }
            scale = scale.blend(sumlx.div(suml2), better);
            best = best.blend(scale.mul(sumlx), better);
        }
        scale.blend(zero, flat).intoArray(scales, sc);
        boolean[] isFlat = new boolean[LANES];
        flat.intoArray(isFlat, 0);
        for (int lane = 0; lane < LANES; lane++) {
            for (int i = 0; i < n; i++) L[lo + n * lane + i] = (byte) (isFlat[lane] ? 0 : lt[i * LANES + lane]);
        }
    }

    /**
     * {@link KQuantMath#makeQkx2Quants} with {@code useMad = false} and per-element weights
     * {@code wt[i*8 + lane]}, for 8 sub-blocks of n values at once. Levels go to
     * {@code L[lo + n*lane + i]}, scales to {@code scales[sc + lane]}, mins (negated, as theMin) to
     * {@code mins[sc + lane]}.
     */
    static void makeQkx2Quants(int n, int nmax, float[] xt, float[] wt, byte[] L, int lo, float[] scales,
                               float[] mins, int sc, float rmin, float rdelta, int nstep, int[] lt, int[] laux) {
        FloatVector min = FloatVector.fromArray(F, xt, 0), max = min;
        FloatVector sumW = FloatVector.fromArray(F, wt, 0), sumX = sumW.mul(min);
        for (int i = 1; i < n; i++) {
            FloatVector x = FloatVector.fromArray(F, xt, i * LANES), w = FloatVector.fromArray(F, wt, i * LANES);
            min = min.blend(x, x.compare(VectorOperators.LT, min));
            max = max.blend(x, x.compare(VectorOperators.GT, max));
            sumW = sumW.add(w);
            sumX = sumX.add(w.mul(x));
        }
        FloatVector zero = FloatVector.zero(F);
        min = min.blend(zero, min.compare(VectorOperators.GT, 0f));
        VectorMask<Float> flat = max.compare(VectorOperators.EQ, min);
        IntVector izero = IntVector.zero(I), inmax = IntVector.broadcast(I, nmax);
        FloatVector iscale = FloatVector.broadcast(F, (float) nmax).div(max.sub(min));
        FloatVector scale = FloatVector.broadcast(F, 1f).div(iscale);
        FloatVector bestError = zero;
        for (int i = 0; i < n; i++) {
            FloatVector x = FloatVector.fromArray(F, xt, i * LANES), w = FloatVector.fromArray(F, wt, i * LANES);
            IntVector l = nearestInt(iscale.mul(x.sub(min))).min(inmax).max(izero);
            l.intoArray(lt, i * LANES);
            FloatVector diff = scale.mul(toFloat(l)).add(min).sub(x);
            bestError = bestError.add(w.mul(diff.mul(diff)));
        }
        for (int is = 0; is <= nstep; is++) {
            // as the reference: min moves with each better fit, and the next trial scales from it
            iscale = FloatVector.broadcast(F, rmin + rdelta * is + nmax).div(max.sub(min));
            FloatVector sumL = zero, sumL2 = zero, sumXl = zero;
            for (int i = 0; i < n; i++) {
                FloatVector x = FloatVector.fromArray(F, xt, i * LANES), w = FloatVector.fromArray(F, wt, i * LANES);
                IntVector l = nearestInt(iscale.mul(x.sub(min))).min(inmax).max(izero);
                l.intoArray(laux, i * LANES);
                FloatVector lf = toFloat(l), wl = w.mul(lf);
                sumL = sumL.add(wl);
                sumL2 = sumL2.add(wl.mul(lf));
                sumXl = sumXl.add(wl.mul(x));
            }
            FloatVector d = sumW.mul(sumL2).sub(sumL.mul(sumL));
            VectorMask<Float> positive = d.compare(VectorOperators.GT, 0f);
            if (!positive.anyTrue()) continue;
            FloatVector thisScale = sumW.mul(sumXl).sub(sumX.mul(sumL)).div(d);
            FloatVector thisMin = sumL2.mul(sumX).sub(sumL.mul(sumXl)).div(d);
            VectorMask<Float> minAbove = thisMin.compare(VectorOperators.GT, 0f);
            thisScale = thisScale.blend(sumXl.div(sumL2), minAbove);
            thisMin = thisMin.blend(zero, minAbove);
            FloatVector curError = zero;
            for (int i = 0; i < n; i++) {
                FloatVector x = FloatVector.fromArray(F, xt, i * LANES), w = FloatVector.fromArray(F, wt, i * LANES);
                FloatVector diff = thisScale.mul(toFloat(IntVector.fromArray(I, laux, i * LANES))).add(thisMin).sub(x);
                curError = curError.add(w.mul(diff.mul(diff)));
            }
            VectorMask<Float> better = positive.and(curError.compare(VectorOperators.LT, bestError));
            if (!better.anyTrue()) continue;
            VectorMask<Integer> betterI = better.cast(I);
            for (int i = 0; i < n; i++) {
                IntVector.fromArray(I, lt, i * LANES).blend(IntVector.fromArray(I, laux, i * LANES), betterI)
                        .intoArray(lt, i * LANES);
            }
            bestError = bestError.blend(curError, better);
            scale = scale.blend(thisScale, better);
            min = min.blend(thisMin, better);
        }
        scale.blend(zero, flat).intoArray(scales, sc);
        min.neg().intoArray(mins, sc);
        boolean[] isFlat = new boolean[LANES];
        flat.intoArray(isFlat, 0);
        for (int lane = 0; lane < LANES; lane++) {
            for (int i = 0; i < n; i++) L[lo + n * lane + i] = (byte) (isFlat[lane] ? 0 : lt[i * LANES + lane]);
        }
    }

    /** {@link KQuants#quantizeK4Scales} (Q4_K, Q5_K) with the 8 sub-block searches in lanes. */
    static void k4Scales(float[] x, int xo, byte[] y, int yo, byte[] L, int nmax, float rmin, float rdelta, int nstep) {
        float[] xt = new float[256], wt = new float[256], scales = new float[8], mins = new float[8];
        int[] lt = new int[256], laux = new int[256];
        transpose(x, xo, 32, 0, xt);
        FloatVector sumX2 = FloatVector.zero(F);
        for (int i = 0; i < 32; i++) {
            FloatVector v = FloatVector.fromArray(F, xt, i * LANES);
            sumX2 = sumX2.add(v.mul(v));
        }
        FloatVector avX = sumX2.div(32f).lanewise(VectorOperators.SQRT);
        for (int i = 0; i < 32; i++) avX.add(FloatVector.fromArray(F, xt, i * LANES).abs()).intoArray(wt, i * LANES);
        makeQkx2Quants(32, nmax, xt, wt, L, 0, scales, mins, 0, rmin, rdelta, nstep, lt, laux);
        KQuants.finishK4Scales(x, xo, y, yo, L, nmax, scales, mins);
    }

    /** Q6_K's 16 group searches (makeQxQuants over 16 values, nmax 32) in two passes of 8 lanes. */
    static void q6Scales(float[] x, int xo, byte[] L, float[] scales) {
        float[] xt = new float[128];
        int[] lt = new int[128];
        for (int first = 0; first < 16; first += LANES) {
            transpose(x, xo, 16, first, xt);
            makeQxQuants(16, 32, xt, L, 16 * first, scales, first, lt);
        }
    }
}
