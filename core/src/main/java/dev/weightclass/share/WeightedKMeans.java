package dev.weightclass.share;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Weighted k-means on scalars (the clustering of weight sharing): minimises
 * {@code sum_i w_i (x_i - c(x_i))^2} over k centers, with k-means++ seeding from a given seed.
 * <p>
 * The values are first binned by their F16 rounding (at most 63,488 finite bins, in value order),
 * each bin keeping the exact sums {@code S0 = sum w}, {@code S1 = sum w x}, {@code S2 = sum w x^2}.
 * With prefix sums over the bins, the cost of any run of bins around a center c is
 * {@code S2 - 2c S1 + c^2 S0} in O(1), so seeding and every Lloyd step cost O(k log bins), not O(n k):
 * a tensor of millions of weights is one pass to fill the bins. Centers are exact weighted means of
 * the original values; only the boundary between two clusters is resolved to bin granularity
 * (finer than the F16 table the centers are stored in).
 */
public final class WeightedKMeans {
    private WeightedKMeans() {}

    /** F16 bit pattern -> rank of its value among the finite F16 values (-1 for NaN and infinities). */
    private static final int[] RANK = new int[1 << 16];
    private static final int BINS;

    static {
        Integer[] codes = new Integer[1 << 16];
        int n = 0;
        for (int c = 0; c < 1 << 16; c++) {
            float v = Float.float16ToFloat((short) c);
            RANK[c] = -1;
            if (Float.isFinite(v)) codes[n++] = c;
        }
        Integer[] finite = Arrays.copyOf(codes, n);
        Arrays.sort(finite, (a, b) -> Float.compare(Float.float16ToFloat((short) (int) a), Float.float16ToFloat((short) (int) b)));
        for (int i = 0; i < n; i++) RANK[finite[i]] = i;
        BINS = n;
    }

    /**
     * Weighted value sums per F16 bin; fill with {@link #add}, then {@link #fit}. A small group keeps
     * its values in a list sorted at the end (cheaper than clearing 63,488 bins per group of a few rows).
     */
    public static final class Histogram {
        private double[] s0, s1, s2;         // dense: one slot per bin
        private int[] rank;                  // sparse: one entry per value
        private float[] xs;
        private double[] ws;
        private int size;

        /** For about {@code values} values. */
        public Histogram(long values) {
            if (values >= BINS / 4) {
                s0 = new double[BINS];
                s1 = new double[BINS];
                s2 = new double[BINS];
            } else {
                int n = (int) Math.max(16, values);
                rank = new int[n];
                xs = new float[n];
                ws = new double[n];
            }
        }

        public Histogram() { this(BINS); }

        /** Adds value x with weight w (non-finite values are ignored: they cannot be clustered). */
        public void add(float x, double w) {
            int r = RANK[Float.floatToFloat16(x) & 0xFFFF];
            if (r < 0 || !(w > 0)) return;
            if (s0 != null) {
                s0[r] += w;
                s1[r] += w * x;
                s2[r] += w * x * (double) x;
                return;
            }
            if (size == rank.length) {
                rank = Arrays.copyOf(rank, size * 2);
                xs = Arrays.copyOf(xs, size * 2);
                ws = Arrays.copyOf(ws, size * 2);
            }
            rank[size] = r;
            xs[size] = x;
            ws[size++] = w;
        }

        /** Calls {@code bin} for every non-empty bin in value order with its S0, S1, S2. */
        void forEachBin(BinSums bin) {
            if (s0 != null) {
                for (int i = 0; i < BINS; i++) if (s0[i] > 0) bin.accept(s0[i], s1[i], s2[i]);
                return;
            }
            long[] order = new long[size];
            for (int i = 0; i < size; i++) order[i] = (long) rank[i] << 32 | i;
            Arrays.sort(order);
            for (int i = 0; i < size; ) {
                int r = (int) (order[i] >>> 32);
                double a = 0, b = 0, c = 0;
                for (; i < size && (int) (order[i] >>> 32) == r; i++) {
                    int j = (int) order[i];
                    a += ws[j];
                    b += ws[j] * xs[j];
                    c += ws[j] * xs[j] * (double) xs[j];
                }
                bin.accept(a, b, c);
            }
        }
    }

    @FunctionalInterface
    interface BinSums {
        void accept(double s0, double s1, double s2);
    }

    /**
     * k centers, ascending. When fewer than k distinct bins hold weight, every such bin is its own
     * center and the table is padded with the largest one (so the table is always full).
     */
    public static float[] fit(Histogram h, int k, long seed) {
        // the non-empty bins, in value order, with prefix sums
        List<double[]> bins = new ArrayList<>();
        h.forEachBin((a, b, c) -> bins.add(new double[] {a, b, c}));
        int n = bins.size();
        double[] m = new double[n], p0 = new double[n + 1], p1 = new double[n + 1], p2 = new double[n + 1];
        for (int j = 0; j < n; j++) {
            double[] bin = bins.get(j);
            m[j] = bin[1] / bin[0];
            p0[j + 1] = p0[j] + bin[0];
            p1[j + 1] = p1[j] + bin[1];
            p2[j + 1] = p2[j] + bin[2];
        }
        float[] out = new float[k];
        if (n == 0) return out;
        if (n <= k) {
            for (int i = 0; i < k; i++) out[i] = (float) m[Math.min(i, n - 1)];
            return out;
        }
        Bins b = new Bins(m, p0, p1, p2);
        double[] c = b.seed(k, new SplittableRandom(seed));
        b.lloyd(c);
        for (int i = 0; i < k; i++) out[i] = (float) c[i];
        Arrays.sort(out);
        return out;
    }

    /** {@code sum w (x - nearest center)^2} of a histogram for sorted centers (for reports and tests). */
    public static double error(Histogram h, float[] sortedCenters) {
        double[] e = {0};
        h.forEachBin((s0, s1, s2) -> {
            double c = sortedCenters[nearest(sortedCenters, s1 / s0)];
            e[0] += s2 - 2 * c * s1 + c * c * s0;
        });
        return Math.max(0, e[0]);
    }

    /** Index of the center nearest to x in ascending {@code c} (the lower one on a tie). */
    public static int nearest(float[] c, double x) {
        int lo = 0, hi = c.length - 1;
        while (lo < hi) {                   // first center whose midpoint with the next is >= x
            int mid = (lo + hi) >>> 1;
            if (x <= ((double) c[mid] + c[mid + 1]) / 2) hi = mid;
            else lo = mid + 1;
        }
        return lo;
    }

    /** Non-empty bins: representative values m (ascending) and prefix sums of S0, S1, S2. */
    private record Bins(double[] m, double[] p0, double[] p1, double[] p2) {

        /** Cost of bins [a, b) all assigned to center c. */
        double cost(int a, int b, double c) {
            return Math.max(0, (p2[b] - p2[a]) - 2 * c * (p1[b] - p1[a]) + c * c * (p0[b] - p0[a]));
        }

        /** First bin whose value exceeds x. */
        int upper(double x) {
            int lo = 0, hi = m.length;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (m[mid] <= x) lo = mid + 1;
                else hi = mid;
            }
            return lo;
        }

        /** Bin boundaries of the clusters of sorted centers c: cluster i holds bins [at[i], at[i+1]). */
        int[] bounds(double[] c) {
            int[] at = new int[c.length + 1];
            for (int i = 1; i < c.length; i++) at[i] = Math.max(at[i - 1], upper((c[i - 1] + c[i]) / 2));
            at[c.length] = m.length;
            return at;
        }

        /** k-means++: the first center drawn by weight, each next one by weight x squared distance. */
        double[] seed(int k, SplittableRandom rnd) {
            int n = m.length;
            double[] c = new double[k];
            int count = 0;
            c[count++] = m[search(0, n, rnd.nextDouble() * p0[n], (a, i) -> p0[i] - p0[a])];
            while (count < k) {
                double[] sorted = Arrays.copyOf(c, count);
                Arrays.sort(sorted);
                int[] at = bounds(sorted);
                double total = 0;
                double[] mass = new double[count];
                for (int i = 0; i < count; i++) total += mass[i] = cost(at[i], at[i + 1], sorted[i]);
                if (total <= 0) break;           // every weighted bin already is a center
                double u = rnd.nextDouble() * total;
                int s = 0;
                while (s < count - 1 && u >= mass[s]) u -= mass[s++];
                int a = at[s];
                double center = sorted[s], target = u;
                int pick = search(a, at[s + 1], target, (from, i) -> cost(from, i, center));
                c[count++] = m[pick];
            }
            // fewer distinct heavy bins than k: fill with the remaining bins' values, spread out
            for (int i = count, step = 1; i < k; i++, step++) c[i] = m[Math.min(n - 1, (int) ((long) step * n / (k - count + 1)))];
            return c;
        }

        /** The bin in [a, b) where the cumulative mass f(a, i+1) first exceeds target. */
        int search(int a, int b, double target, Mass f) {
            int lo = a, hi = b - 1;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (f.of(a, mid + 1) > target) hi = mid;
                else lo = mid + 1;
            }
            return lo;
        }

        /** Lloyd steps until no center moves (at most 300). */
        void lloyd(double[] c) {
            Arrays.sort(c);
            for (int it = 0; it < 300; it++) {
                int[] at = bounds(c);
                boolean moved = false;
                for (int i = 0; i < c.length; i++) {
                    double w = p0[at[i + 1]] - p0[at[i]];
                    if (w <= 0) continue;        // an empty cluster keeps its center
                    double mean = (p1[at[i + 1]] - p1[at[i]]) / w;
                    if (mean != c[i]) {
                        c[i] = mean;
                        moved = true;
                    }
                }
                Arrays.sort(c);
                if (!moved) return;
            }
        }
    }

    @FunctionalInterface
    private interface Mass {
        double of(int from, int to);
    }
}
