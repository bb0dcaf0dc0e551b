package dev.weightclass.lora;

import java.util.Arrays;
import java.util.Random;

/**
 * The leading singular triplets of a float matrix, computed in double.
 * <ul>
 * <li>Small matrices (or a rank close to the smaller side): exact, by one-sided Jacobi
 *     (Hestenes) rotations on the matrix itself, which keeps small singular values accurate
 *     (no Gram matrix, whose condition number is squared).</li>
 * <li>Large matrices: randomized range finder (Halko, Martinsson, Tropp 2011): Y = D·Ω with
 *     {@code rank + oversample} Gaussian columns, {@code powerIterations} rounds of
 *     Y = D·(Dᵀ·Y) re-orthonormalized in between, then the exact Jacobi SVD of the small QᵀD.
 *     A matrix of rank at most {@code rank + oversample} is captured exactly.</li>
 * </ul>
 * Vectors are stored column by column: {@code u[c]} is the c-th left singular vector.
 */
public final class TruncatedSvd {
    private TruncatedSvd() {}

    /** Below this smaller side the exact decomposition is cheap enough. */
    public static final int EXACT_LIMIT = 128;

    /**
     * @param u           left singular vectors, {@code u[c]} of length m
     * @param s           singular values, descending
     * @param v           right singular vectors, {@code v[c]} of length n
     * @param totalEnergy squared Frobenius norm of the whole matrix
     * @param exact       true when every singular value was computed (no random projection)
     */
    public record Result(double[][] u, double[] s, double[][] v, double totalEnergy, boolean exact) {
        /** Fraction of the squared Frobenius norm the first {@code k} triplets hold. */
        public double energy(int k) {
            if (totalEnergy == 0) return 1;
            double e = 0;
            for (int i = 0; i < Math.min(k, s.length); i++) e += s[i] * s[i];
            return Math.min(1, e / totalEnergy);
        }
    }

    /**
     * The leading {@code rank} (at least) triplets of the row-major {@code m x n} matrix {@code d}.
     */
    public static Result of(float[] d, int m, int n, int rank, int oversample, int powerIterations, long seed) {
        if (rank < 1 || rank > Math.min(m, n)) {
            throw new IllegalArgumentException("rank " + rank + " outside 1.." + Math.min(m, n));
        }
        double total = 0;
        for (float x : d) total += (double) x * x;
        int k = Math.min(Math.min(m, n), rank + Math.max(0, oversample));
        if (Math.min(m, n) <= EXACT_LIMIT || k == Math.min(m, n)) return exact(d, m, n, total);

        // range finder: Q spans (approximately) the column space of D
        Random rnd = new Random(seed);
        double[][] omega = new double[k][n];
        for (double[] col : omega) for (int j = 0; j < n; j++) col[j] = rnd.nextGaussian();
        double[][] y = times(d, m, n, omega);
        orthonormalize(y);
        for (int it = 0; it < powerIterations; it++) {
            double[][] z = transposeTimes(d, m, n, y);
            orthonormalize(z);
            y = times(d, m, n, z);
            orthonormalize(y);
        }
        // small problem: Qᵀ D = J Σ Wᵀ  ->  D ≈ (Q J) Σ Wᵀ
        double[][] bt = transposeTimes(d, m, n, y);      // columns of (QᵀD)ᵀ, each length n
        double[][] j = jacobi(bt);
        double[] s = norms(bt);
        Integer[] order = order(s);
        double[][] u = new double[k][], v = new double[k][];
        double[] sorted = new double[k];
        for (int c = 0; c < k; c++) {
            int src = order[c];
            sorted[c] = s[src];
            u[c] = combine(y, j[src], m);
            v[c] = scaled(bt[src], s[src]);
        }
        return new Result(u, sorted, v, total, false);
    }

    private static Result exact(float[] d, int m, int n, double total) {
        boolean tall = m >= n;
        int p = tall ? m : n, c = tall ? n : m;
        double[][] cols = new double[c][p];
        for (int i = 0; i < m; i++) {
            for (int jj = 0; jj < n; jj++) {
                if (tall) cols[jj][i] = d[i * n + jj];
                else cols[i][jj] = d[i * n + jj];
            }
        }
        double[][] rot = jacobi(cols);   // X J = W, X = D (tall) or Dᵀ (wide)
        double[] s = norms(cols);
        Integer[] order = order(s);
        double[][] u = new double[c][], v = new double[c][];
        double[] sorted = new double[c];
        for (int k = 0; k < c; k++) {
            int src = order[k];
            sorted[k] = s[src];
            double[] w = scaled(cols[src], s[src]);
            if (tall) {            // D = (W Σ⁻¹) Σ Jᵀ
                u[k] = w;
                v[k] = rot[src].clone();
            } else {               // Dᵀ = (W Σ⁻¹) Σ Jᵀ  ->  D = J Σ (W Σ⁻¹)ᵀ
                u[k] = rot[src].clone();
                v[k] = w;
            }
        }
        return new Result(u, sorted, v, total, true);
    }

    /**
     * One-sided Jacobi: rotates pairs of columns until all are orthogonal. {@code cols} becomes
     * W = X·J; returns J column by column ({@code J[c]} is column c).
     */
    static double[][] jacobi(double[][] cols) {
        int c = cols.length;
        double[][] rot = new double[c][c];
        for (int i = 0; i < c; i++) rot[i][i] = 1;
        double[] sq = new double[c];
        for (int sweep = 0; sweep < 80; sweep++) {
            boolean rotated = false;
            for (int i = 0; i < c; i++) sq[i] = dot(cols[i], cols[i]);
            for (int i = 0; i < c - 1; i++) {
                for (int k = i + 1; k < c; k++) {
                    double alpha = sq[i], beta = sq[k];
                    if (alpha == 0 || beta == 0) continue;
                    double gamma = dot(cols[i], cols[k]);
                    if (Math.abs(gamma) <= 1e-14 * Math.sqrt(alpha * beta)) continue;
                    rotated = true;
                    double zeta = (beta - alpha) / (2 * gamma);
                    double t = Math.signum(zeta) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
                    if (zeta == 0) t = 1;
                    double cs = 1 / Math.sqrt(1 + t * t), sn = cs * t;
                    rotate(cols[i], cols[k], cs, sn);
                    rotate(rot[i], rot[k], cs, sn);
                    sq[i] = alpha - t * gamma;
                    sq[k] = beta + t * gamma;
                }
            }
            if (!rotated) break;
        }
        return rot;
    }

    private static void rotate(double[] x, double[] y, double c, double s) {
        for (int r = 0; r < x.length; r++) {
            double a = x[r], b = y[r];
            x[r] = c * a - s * b;
            y[r] = s * a + c * b;
        }
    }

    /** D · Z for Z given by columns (each length n): result columns of length m. */
    static double[][] times(float[] d, int m, int n, double[][] z) {
        double[][] y = new double[z.length][m];
        for (int i = 0; i < m; i++) {
            int row = i * n;
            for (int c = 0; c < z.length; c++) {
                double[] zc = z[c];
                double s = 0;
                for (int j = 0; j < n; j++) s += d[row + j] * zc[j];
                y[c][i] = s;
            }
        }
        return y;
    }

    /** Dᵀ · Y for Y given by columns (each length m): result columns of length n. */
    static double[][] transposeTimes(float[] d, int m, int n, double[][] y) {
        double[][] z = new double[y.length][n];
        for (int i = 0; i < m; i++) {
            int row = i * n;
            for (int c = 0; c < y.length; c++) {
                double yi = y[c][i];
                if (yi == 0) continue;
                double[] zc = z[c];
                for (int j = 0; j < n; j++) zc[j] += yi * d[row + j];
            }
        }
        return z;
    }

    /** Modified Gram-Schmidt, twice (one pass loses orthogonality in floating point). */
    static void orthonormalize(double[][] cols) {
        for (int pass = 0; pass < 2; pass++) {
            for (int c = 0; c < cols.length; c++) {
                double[] x = cols[c];
                for (int p = 0; p < c; p++) {
                    double r = dot(cols[p], x);
                    double[] q = cols[p];
                    for (int i = 0; i < x.length; i++) x[i] -= r * q[i];
                }
                double norm = Math.sqrt(dot(x, x));
                if (norm > 0) for (int i = 0; i < x.length; i++) x[i] /= norm;
            }
        }
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    private static double[] norms(double[][] cols) {
        double[] s = new double[cols.length];
        for (int c = 0; c < cols.length; c++) s[c] = Math.sqrt(dot(cols[c], cols[c]));
        return s;
    }

    private static Integer[] order(double[] s) {
        Integer[] idx = new Integer[s.length];
        for (int i = 0; i < idx.length; i++) idx[i] = i;
        Arrays.sort(idx, (a, b) -> Double.compare(s[b], s[a]));
        return idx;
    }

    /** x / s, or zeros when s is 0 (a vector for a zero singular value never contributes). */
    private static double[] scaled(double[] x, double s) {
        double[] out = new double[x.length];
        if (s > 0) for (int i = 0; i < x.length; i++) out[i] = x[i] / s;
        return out;
    }

    /** Σ_l q[l] * w[l]: a combination of columns. */
    private static double[] combine(double[][] q, double[] w, int len) {
        double[] out = new double[len];
        for (int l = 0; l < q.length; l++) {
            double f = w[l];
            if (f == 0) continue;
            for (int i = 0; i < len; i++) out[i] += f * q[l][i];
        }
        return out;
    }
}
