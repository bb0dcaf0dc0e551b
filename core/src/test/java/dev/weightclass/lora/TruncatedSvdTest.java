package dev.weightclass.lora;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class TruncatedSvdTest {

    /** D = B·A with B [m, r], A [r, n] Gaussian, row-major float. */
    static float[] lowRank(int m, int n, int r, long seed) {
        Random rnd = new Random(seed);
        double[] b = new double[m * r], a = new double[r * n];
        for (int i = 0; i < b.length; i++) b[i] = rnd.nextGaussian();
        for (int i = 0; i < a.length; i++) a[i] = rnd.nextGaussian();
        float[] d = new float[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < r; k++) s += b[i * r + k] * a[k * n + j];
                d[i * n + j] = (float) s;
            }
        }
        return d;
    }

    /** max |D - U_k Σ_k V_kᵀ| / max |D|. */
    static double reconstructionError(float[] d, int m, int n, TruncatedSvd.Result s, int k) {
        double maxErr = 0, maxD = 0;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double x = 0;
                for (int c = 0; c < k; c++) x += s.u()[c][i] * s.s()[c] * s.v()[c][j];
                maxErr = Math.max(maxErr, Math.abs(x - d[i * n + j]));
                maxD = Math.max(maxD, Math.abs(d[i * n + j]));
            }
        }
        return maxErr / maxD;
    }

    @Test
    void exactPathRecoversALowRankMatrix() {
        float[] d = lowRank(90, 60, 5, 1);
        TruncatedSvd.Result s = TruncatedSvd.of(d, 90, 60, 5, 10, 2, 3);
        assertThat(s.exact()).isTrue();
        assertThat(s.energy(5)).isCloseTo(1.0, within(1e-12));
        assertThat(s.s()[5] / s.s()[0]).isLessThan(1e-6);            // float rounding only
        assertThat(reconstructionError(d, 90, 60, s, 5)).isLessThan(1e-6);
    }

    @Test
    void wideMatricesToo() {
        float[] d = lowRank(40, 130, 3, 2);
        TruncatedSvd.Result s = TruncatedSvd.of(d, 40, 130, 3, 10, 2, 3);
        assertThat(s.exact()).isTrue();
        assertThat(reconstructionError(d, 40, 130, s, 3)).isLessThan(1e-6);
    }

    @Test
    void randomizedPathRecoversALowRankMatrix() {
        float[] d = lowRank(300, 420, 7, 4);
        TruncatedSvd.Result s = TruncatedSvd.of(d, 300, 420, 7, 10, 2, 5);
        assertThat(s.exact()).isFalse();
        assertThat(s.energy(7)).isCloseTo(1.0, within(1e-12));
        assertThat(reconstructionError(d, 300, 420, s, 7)).isLessThan(1e-6);
    }

    @Test
    void singularValuesMatchTheExactOnesOnAFullRankMatrix() {
        // randomized vs exact on a matrix with a decaying spectrum: the leading values agree
        Random rnd = new Random(9);
        int m = 200, n = 150;
        float[] d = new float[m * n];
        float[] low = lowRank(m, n, 4, 11);
        for (int i = 0; i < d.length; i++) d[i] = low[i] + (float) (1e-3 * rnd.nextGaussian());
        TruncatedSvd.Result r = TruncatedSvd.of(d, m, n, 4, 10, 3, 1);
        TruncatedSvd.Result e = TruncatedSvd.of(d, m, n, 140, 10, 0, 1);   // k reaches min(m, n): exact
        assertThat(e.exact()).isTrue();
        assertThat(r.exact()).isFalse();
        for (int i = 0; i < 4; i++) assertThat(r.s()[i]).isCloseTo(e.s()[i], within(e.s()[i] * 1e-9));
        double total = 0;
        for (double x : e.s()) total += x * x;
        assertThat(total).isCloseTo(e.totalEnergy(), within(e.totalEnergy() * 1e-10));
    }
}
