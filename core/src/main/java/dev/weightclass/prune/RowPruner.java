package dev.weightclass.prune;

import java.util.Arrays;

/**
 * Zeroes the lowest-scored weights of one row (one output feature): score_j = |w_j| x norm_j,
 * norm_j = 1 for magnitude pruning. Ties go to the lower column index, so the result is
 * deterministic. Not thread-safe (it keeps a scratch buffer): one per worker.
 */
public final class RowPruner {
    private final int cols;
    private final long[] keys;

    public RowPruner(int cols) {
        this.cols = cols;
        this.keys = new long[cols];
    }

    /** Weights an unstructured row of {@code cols} loses at {@code sparsity}: floor(s x cols). */
    public static int prunedPerRow(double sparsity, int cols) {
        return (int) Math.floor(sparsity * cols + 1e-9);
    }

    /**
     * Prunes {@code row[0..cols)} in place.
     *
     * @param norms    input-feature norms (Wanda), or null for magnitude
     * @param sparsity fraction of the row to zero (unstructured; ignored for N:M)
     * @return how many weights were selected and zeroed
     */
    public int prune(float[] row, float[] norms, double sparsity, SparsityPattern pattern) {
        if (pattern.structured()) {
            int m = pattern.m(), drop = m - pattern.n();
            for (int g = 0; g < cols; g += m) {
                fillKeys(row, norms, g, m);
                Arrays.sort(keys, 0, m);
                for (int i = 0; i < drop; i++) row[g + (int) keys[i]] = 0f;
            }
            return cols / m * drop;
        }
        int k = prunedPerRow(sparsity, cols);
        if (k == 0) return 0;
        fillKeys(row, norms, 0, cols);
        select(keys, cols, k);
        for (int i = 0; i < k; i++) row[(int) keys[i]] = 0f;
        return k;
    }

    /**
     * Moves the k smallest of a[0..n) (distinct values) into a[0..k), in no particular order:
     * quickselect, linear on average, where a full sort of every row would cost n log n.
     */
    static void select(long[] a, int n, int k) {
        int lo = 0, hi = n - 1;
        while (lo < hi && k > lo && k <= hi) {
            int mid = (lo + hi) >>> 1;
            // median of three as pivot keeps sorted or reversed rows linear
            long x = a[lo], y = a[mid], z = a[hi];
            long pivot = Math.max(Math.min(x, y), Math.min(Math.max(x, y), z));
            int i = lo, j = hi;
            while (i <= j) {
                while (a[i] < pivot) i++;
                while (a[j] > pivot) j--;
                if (i <= j) {
                    long t = a[i];
                    a[i++] = a[j];
                    a[j--] = t;
                }
            }
            // now a[lo..j] <= pivot <= a[i..hi]; keep the side holding position k
            if (k <= j) hi = j;
            else if (k >= i) lo = i;
            else return;
        }
    }

    /**
     * keys[i] = score bits << 32 | i for columns from..from+n: the bits of a non-negative float
     * order as the float does, so sorting the longs sorts by score, then by column.
     */
    private void fillKeys(float[] row, float[] norms, int from, int n) {
        for (int i = 0; i < n; i++) {
            float s = Math.abs(row[from + i]);
            if (norms != null) s *= norms[from + i];
            if (Float.isNaN(s)) s = Float.POSITIVE_INFINITY;   // never prefer to drop a NaN silently
            keys[i] = ((long) Float.floatToRawIntBits(s) << 32) | i;
        }
    }
}
