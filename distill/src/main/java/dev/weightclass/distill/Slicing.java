package dev.weightclass.distill;

import java.util.Arrays;

/**
 * Choosing which teacher units a narrower student keeps (hidden channels, attention heads, FFN
 * units): the strongest by weight norm, kept in their original order so the sliced tensors are
 * the teacher's with rows and columns left out.
 */
public final class Slicing {
    private Slicing() {}

    /** Refuses {@code --option value} wider than the teacher's {@code what} (one line, exit 2). */
    public static void requireNotWider(String option, int value, int teacher, String what) {
        if (value > teacher) {
            throw new dev.weightclass.WeightclassException("the student would be larger than the teacher: " + option + " "
                    + value + ", the teacher's " + what + " is " + teacher);
        }
    }

    /** The {@code k} indices with the largest scores (ties: the lower index), ascending. */
    public static int[] strongest(double[] score, int k) {
        if (k < 0 || k > score.length) throw new IllegalArgumentException("cannot keep " + k + " of " + score.length);
        Integer[] order = new Integer[score.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> score[b] != score[a] ? Double.compare(score[b], score[a]) : Integer.compare(a, b));
        return Arrays.stream(order, 0, k).mapToInt(Integer::intValue).sorted().toArray();
    }

    /**
     * Adds a tensor's vote to the hidden-channel scores: the share of its squared weights that lies
     * on each channel ({@code energy[c] / sum(energy)}). Shares, not raw energies, so that each
     * tensor counts once whatever its size and scale (the token table would otherwise decide alone).
     */
    public static void addShares(double[] score, double[] energy) {
        if (energy.length != score.length) throw new IllegalArgumentException("width " + energy.length + " != " + score.length);
        double total = 0;
        for (double e : energy) total += e;
        if (!(total > 0)) return; // an all-zero tensor (a bias never trained) says nothing
        for (int c = 0; c < score.length; c++) score[c] += energy[c] / total;
    }

    /** Squared values summed per column of a row-major [rows, cols] matrix. */
    public static double[] columnEnergy(float[] m, int rows, int cols) {
        double[] e = new double[cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) e[c] += (double) m[r * cols + c] * m[r * cols + c];
        }
        return e;
    }

    /** Squared values summed per row of a row-major [rows, cols] matrix (a vector is one column). */
    public static double[] rowEnergy(float[] m, int rows, int cols) {
        double[] e = new double[rows];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) e[r] += (double) m[r * cols + c] * m[r * cols + c];
        }
        return e;
    }

    /** Sums of {@code energy} over consecutive blocks of {@code size} (a head's rows). */
    public static double[] blockSums(double[] energy, int size) {
        double[] out = new double[energy.length / size];
        for (int i = 0; i < energy.length; i++) out[i / size] += energy[i];
        return out;
    }

    /** The rows of whole blocks {@code blocks} of {@code size} rows each: heads 0, 2 of width 16 -> 0..15, 32..47. */
    public static int[] expand(int[] blocks, int size) {
        int[] out = new int[blocks.length * size];
        for (int i = 0; i < blocks.length; i++) for (int j = 0; j < size; j++) out[i * size + j] = blocks[i] * size + j;
        return out;
    }

    /** {@code m} [rows, cols] keeping rows {@code keepRows} and columns {@code keepCols} (null: all). */
    public static float[] slice(float[] m, int rows, int cols, int[] keepRows, int[] keepCols) {
        int nr = keepRows == null ? rows : keepRows.length, nc = keepCols == null ? cols : keepCols.length;
        float[] out = new float[nr * nc];
        for (int r = 0; r < nr; r++) {
            int src = (keepRows == null ? r : keepRows[r]) * cols;
            if (keepCols == null) System.arraycopy(m, src, out, r * nc, nc);
            else for (int j = 0; j < nc; j++) out[r * nc + j] = m[src + keepCols[j]];
        }
        return out;
    }
}
