package dev.weightclass.distill;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The helpers every narrowing uses, on values worked out by hand. */
class SlicingTest {

    @Test
    void strongestKeepsTheLargestInTheirOriginalOrderAndTheLowerIndexOnTies() {
        assertThat(Slicing.strongest(new double[] {0.5, 3, 1, 3, 2}, 3)).containsExactly(1, 3, 4);
        assertThat(Slicing.strongest(new double[] {1, 1, 1}, 2)).containsExactly(0, 1);
        assertThat(Slicing.strongest(new double[] {1, 2}, 0)).isEmpty();
    }

    @Test
    void sharesGiveEveryTensorOneVote() {
        double[] score = new double[3];
        Slicing.addShares(score, new double[] {100, 0, 0});   // a large tensor all on channel 0
        Slicing.addShares(score, new double[] {0, 1, 1});     // two small ones on channels 1, 2
        Slicing.addShares(score, new double[] {0, 2, 0});
        Slicing.addShares(score, new double[] {0, 0, 0});     // all zero: no vote
        assertThat(score).containsExactly(1.0, 1.5, 0.5);
    }

    @Test
    void energiesSlicesAndHeadRows() {
        float[] m = {1, 2, 3, 4, 5, 6};                       // [2, 3]
        assertThat(Slicing.rowEnergy(m, 2, 3)).containsExactly(14, 77);
        assertThat(Slicing.columnEnergy(m, 2, 3)).containsExactly(17, 29, 45);
        assertThat(Slicing.blockSums(new double[] {1, 2, 3, 4}, 2)).containsExactly(3, 7);
        assertThat(Slicing.slice(m, 2, 3, new int[] {1}, new int[] {0, 2})).containsExactly(4, 6);
        assertThat(Slicing.slice(m, 2, 3, null, new int[] {1})).containsExactly(2, 5);
        assertThat(Slicing.expand(new int[] {0, 2}, 2)).containsExactly(0, 1, 4, 5);
    }
}
