package dev.weightclass.runtime;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class LlamaCppOrderTest {

    /** ggml's AVX2 exp: within its documented 1.5 ulp of the true value, and its edge cases. */
    @Test
    void vectorExpIsGgmlsApproximation() {
        int differ = 0;
        for (float x = -100f; x <= 88f; x += 0.0137f) {
            float v = LlamaCppOrder.vexpf(x);
            double exact = Math.exp(x);
            assertThat(Math.abs(v - exact)).as("exp(%s)", x).isLessThanOrEqualTo(2.0 * Math.ulp((float) exact));
            if (v != (float) exact) differ++;
        }
        // an approximation, not libm: it differs from the correctly rounded value now and then
        assertThat(differ).isPositive();
        assertThat(LlamaCppOrder.vexpf(0f)).isEqualTo(1f);
        assertThat(LlamaCppOrder.vexpf(Float.NEGATIVE_INFINITY)).isEqualTo(0f);
        assertThat(LlamaCppOrder.vexpf(-200f)).isEqualTo(0f);
        assertThat(LlamaCppOrder.vexpf(-90f)).isCloseTo((float) Math.exp(-90), within(1e-44f));
    }

    @Test
    void swigluIsSiluTimesUp() {
        int n = 21;
        float[] g = new float[n], u = new float[n], expect = new float[n];
        for (int i = 0; i < n; i++) {
            g[i] = (i - 10) * 0.7f;
            u[i] = 1.5f - i * 0.1f;
            expect[i] = (float) (g[i] / (1 + Math.exp(-g[i])) * u[i]);
        }
        LlamaCppOrder.swiglu(g, u, n);
        for (int i = 0; i < n; i++) assertThat(g[i]).isCloseTo(expect[i], within(1e-5f));
    }

    /** The tiled flash attention gives softmax(q k / sqrt(d)) v, with masked keys outside [first, last]. */
    @Test
    void attentionIsCausalSoftmaxOverTheVisibleKeys() {
        int hd = 8, kvDim = 16, positions = 150;
        java.util.Random rnd = new java.util.Random(5);
        short[] kc = new short[positions * kvDim], vc = new short[positions * kvDim];
        for (int i = 0; i < kc.length; i++) {
            kc[i] = Float.floatToFloat16((float) rnd.nextGaussian());
            vc[i] = Float.floatToFloat16((float) rnd.nextGaussian());
        }
        float[] q = new float[hd];
        for (int i = 0; i < hd; i++) q[i] = (float) rnd.nextGaussian();
        int first = 3, last = 140, kvOff = 8;
        float scale = 0.35f;
        float[] out = new float[hd];
        LlamaCppOrder.attend(q, 0, kc, vc, kvOff, kvDim, hd, first, last, scale, out, 0, new LlamaCppOrder.AttentionScratch());
        double[] w = new double[positions];
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (int t = first; t <= last; t++) {
            double s = 0;
            for (int d = 0; d < hd; d++) s += q[d] * Float.float16ToFloat(kc[t * kvDim + kvOff + d]);
            w[t] = s * scale;
            max = Math.max(max, w[t]);
        }
        for (int t = first; t <= last; t++) sum += w[t] = Math.exp(w[t] - max);
        for (int d = 0; d < hd; d++) {
            double o = 0;
            for (int t = first; t <= last; t++) o += w[t] / sum * Float.float16ToFloat(vc[t * kvDim + kvOff + d]);
            assertThat((double) out[d]).isCloseTo(o, within(1e-5));
        }
    }
}
