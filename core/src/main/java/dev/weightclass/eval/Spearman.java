package dev.weightclass.eval;

/**
 * Spearman's rank correlation: Pearson's correlation of the ranks, tied values sharing the mean of
 * the ranks they span (as scipy.stats.spearmanr computes it).
 */
public final class Spearman {
    private Spearman() {}

    public static double correlation(double[] x, double[] y) {
        if (x.length != y.length) throw new IllegalArgumentException(x.length + " vs " + y.length + " values");
        if (x.length < 2) return Double.NaN;
        return pearson(ranks(x), ranks(y));
    }

    /** 1-based ranks; ties get the average of their positions. */
    public static double[] ranks(double[] v) {
        Integer[] order = new Integer[v.length];
        for (int i = 0; i < v.length; i++) order[i] = i;
        java.util.Arrays.sort(order, (a, b) -> Double.compare(v[a], v[b]));
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; ) {
            int j = i;
            while (j + 1 < v.length && v[order[j + 1]] == v[order[i]]) j++;
            double rank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) r[order[k]] = rank;
            i = j + 1;
        }
        return r;
    }

    public static double pearson(double[] x, double[] y) {
        double mx = 0, my = 0;
        for (int i = 0; i < x.length; i++) {
            mx += x[i];
            my += y[i];
        }
        mx /= x.length;
        my /= y.length;
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < x.length; i++) {
            double dx = x[i] - mx, dy = y[i] - my;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        return sxy / Math.sqrt(sxx * syy);
    }
}
