package dev.weightclass.eval;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class SpearmanTest {

    @Test
    void tiesShareTheirMeanRank() {
        assertThat(Spearman.ranks(new double[] {10, 20, 20, 5})).containsExactly(2, 3.5, 3.5, 1);
    }

    @Test
    void handComputedWithTies() {
        // x ranks: 1, 2.5, 2.5, 4, 5; y ranks: 2, 1, 4, 3, 5
        // mean 3 for both; dx = -2, -0.5, -0.5, 1, 2; dy = -1, -2, 1, 0, 2
        // sum dx*dy = 2 + 1 - 0.5 + 0 + 4 = 6.5; sum dx^2 = 4 + .25 + .25 + 1 + 4 = 9.5; sum dy^2 = 10
        double r = Spearman.correlation(new double[] {1, 2, 2, 3, 4}, new double[] {0.2, 0.1, 0.9, 0.5, 1.0});
        assertThat(r).isCloseTo(6.5 / Math.sqrt(9.5 * 10), within(1e-12));
    }

    @Test
    void monotoneIsOneReversedIsMinusOne() {
        double[] x = {1, 2, 3, 4};
        assertThat(Spearman.correlation(x, new double[] {1, 8, 27, 64})).isCloseTo(1, within(1e-12));
        assertThat(Spearman.correlation(x, new double[] {9, 7, 3, -1})).isCloseTo(-1, within(1e-12));
    }
}
