package dev.weightclass.share;

import dev.weightclass.WeightclassException;
import dev.weightclass.quant.TensorRows;
import dev.weightclass.runtime.Palette;
import dev.weightclass.tensor.TensorType;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;

/**
 * Palettization (weight sharing by k-means, as in Deep Compression and Core ML): each group of
 * {@code groupRows} rows of a weight gets a table of 2^bits values found by weighted k-means, and
 * every weight becomes the index of its nearest table value. With per-column importance (the
 * squared input norms ||X_j||^2 of calibration text) the clustering minimises the error the layer's
 * output actually sees, {@code sum_j ||X_j||^2 (W_rj - c)^2}, instead of the plain weight error.
 */
public final class Palettizer {
    private Palettizer() {}

    public static final int MIN_BITS = 2, MAX_BITS = 8;

    /**
     * @param bits      index width, 2..8
     * @param groupRows rows per table; 0 means one table for the whole tensor
     * @param lutType   F16 or F32: how tables are stored (tables are rounded to it before indexing)
     * @param seed      k-means++ seed (each group derives its own from this, its tensor and its index)
     */
    public record Options(int bits, int groupRows, TensorType lutType, long seed) {
        public Options {
            if (bits < MIN_BITS || bits > MAX_BITS) {
                throw new WeightclassException("--palettize " + bits + ": bits must be " + MIN_BITS + ".." + MAX_BITS);
            }
            if (groupRows < 0) throw new WeightclassException("--group " + groupRows + ": must be positive");
            if (lutType != TensorType.F16 && lutType != TensorType.F32) {
                throw new WeightclassException("palette tables are F16 or F32, not " + lutType);
            }
        }

        /** Rows per table for a tensor of {@code rows} rows; fails clearly when the group does not divide them. */
        public int groupFor(String tensor, int rows) {
            if (groupRows == 0) return rows;
            if (rows % groupRows != 0) {
                throw new WeightclassException("--group " + groupRows + " does not divide the " + rows + " rows of "
                        + tensor + " (choose a divisor, or omit --group for one table per tensor)");
            }
            return groupRows;
        }
    }

    /** A weight to palettize: its stored bytes read row by row. */
    public record Source(String name, TensorType type, int rows, int cols, MemorySegment data) {
        void row(int r, float[] out) { TensorRows.read(data, type, cols, r, out, 0); }
    }

    /** A fitted palette: {@code lut[g * 2^bits + i]}, each table ascending. */
    public record Fitted(Source source, int bits, int groupRows, TensorType lutType, float[] lut) {
        public Palette palette() { return new Palette(bits, groupRows, lut); }

        public int groups() { return source.rows() / groupRows; }

        public long lutBytes() { return (long) lut.length * (lutType == TensorType.F16 ? 2 : 4); }

        public long indexBytes() { return source.rows() * Palette.rowBytes(source.cols(), bits); }

        /** Stored bits per weight, tables included. */
        public double bitsPerWeight() { return 8.0 * (lutBytes() + indexBytes()) / ((double) source.rows() * source.cols()); }
    }

    /**
     * Fits every source, all groups of all tensors in parallel on {@code pool}.
     *
     * @param importance per-source column importance (length cols) or null entries for plain k-means
     */
    public static List<Fitted> fit(List<Source> sources, List<float[]> importance, Options o, ForkJoinPool pool) {
        return fit(sources, importance, o, pool, null);
    }

    /** Told the weights clustered so far and the total, as groups finish (from worker threads). */
    @FunctionalInterface
    public interface Progress {
        void update(long done, long total);
    }

    /** As {@link #fit(List, List, Options, ForkJoinPool)}, reporting progress (may be null). */
    public static List<Fitted> fit(List<Source> sources, List<float[]> importance, Options o, ForkJoinPool pool,
                                   Progress progress) {
        long total = sources.stream().mapToLong(s -> (long) s.rows() * s.cols()).sum();
        java.util.concurrent.atomic.AtomicLong done = new java.util.concurrent.atomic.AtomicLong();
        List<float[]> tables = new ArrayList<>();
        List<ForkJoinTask<?>> tasks = new ArrayList<>();
        int[] groupRows = new int[sources.size()];
        for (int s = 0; s < sources.size(); s++) {
            Source src = sources.get(s);
            int g = groupRows[s] = o.groupFor(src.name(), src.rows());
            float[] lut = new float[src.rows() / g << o.bits()];
            tables.add(lut);
            float[] imp = importance == null ? null : importance.get(s);
            if (imp != null && imp.length != src.cols()) {
                throw new IllegalArgumentException(src.name() + ": importance of " + imp.length + " columns, weight has " + src.cols());
            }
            for (int group = 0; group < src.rows() / g; group++) {
                int gi = group;
                tasks.add(pool.submit(() -> {
                    float[] c = fitGroup(src, gi * g, g, imp, o, seedOf(o.seed(), src.name(), gi));
                    System.arraycopy(c, 0, lut, gi << o.bits(), c.length);
                    long d = done.addAndGet((long) g * src.cols());
                    if (progress != null) progress.update(d, total);
                }));
            }
        }
        for (ForkJoinTask<?> t : tasks) t.join();
        List<Fitted> out = new ArrayList<>();
        for (int s = 0; s < sources.size(); s++) {
            out.add(new Fitted(sources.get(s), o.bits(), groupRows[s], o.lutType(), tables.get(s)));
        }
        return out;
    }

    static long seedOf(long seed, String tensor, int group) {
        long h = seed * 0x9E3779B97F4A7C15L + tensor.hashCode();
        return h * 0xBF58476D1CE4E5B9L + group;
    }

    /** One group's table: weighted k-means over its rows, rounded to the table type, ascending. */
    static float[] fitGroup(Source src, int row0, int rows, float[] importance, Options o, long seed) {
        WeightedKMeans.Histogram h = histogram(src, row0, rows, importance);
        float[] c = WeightedKMeans.fit(h, 1 << o.bits(), seed);
        if (o.lutType() == TensorType.F16) {
            for (int i = 0; i < c.length; i++) c[i] = Float.float16ToFloat(Float.floatToFloat16(c[i]));
        }
        java.util.Arrays.sort(c);
        return c;
    }

    /** The group's values weighted by column importance (normalised to mean 1, floored so no column is ignored). */
    static WeightedKMeans.Histogram histogram(Source src, int row0, int rows, float[] importance) {
        double[] w = columnWeights(importance, src.cols());
        WeightedKMeans.Histogram h = new WeightedKMeans.Histogram((long) rows * src.cols());
        float[] row = new float[src.cols()];
        for (int r = row0; r < row0 + rows; r++) {
            src.row(r, row);
            for (int c = 0; c < row.length; c++) h.add(row[c], w == null ? 1 : w[c]);
        }
        return h;
    }

    /** Importance scaled to mean 1 with a floor of 1e-3 (a column unseen in calibration still counts a little). */
    static double[] columnWeights(float[] importance, int cols) {
        if (importance == null) return null;
        double sum = 0;
        for (float v : importance) sum += v;
        if (!(sum > 0)) return null;
        double[] w = new double[cols];
        for (int c = 0; c < cols; c++) w[c] = Math.max(1e-3, importance[c] * cols / sum);
        return w;
    }

    /** Packed indices of rows [r0, r1) into {@code out} (at {@code (r - r0) * rowBytes}). */
    public static void encode(Fitted f, int r0, int r1, byte[] out) {
        Source src = f.source();
        int cols = src.cols(), bits = f.bits(), k = 1 << bits;
        int rowBytes = (int) Palette.rowBytes(cols, bits);
        float[] row = new float[cols];
        int[] idx = new int[cols];
        float[] table = new float[k];
        for (int r = r0; r < r1; r++) {
            src.row(r, row);
            System.arraycopy(f.lut(), (r / f.groupRows()) * k, table, 0, k);
            for (int c = 0; c < cols; c++) idx[c] = WeightedKMeans.nearest(table, row[c]);
            IndexPacking.pack(idx, cols, bits, out, (r - r0) * rowBytes);
        }
    }

    /** All packed indices of a tensor, rows encoded in parallel on {@code pool}. */
    public static byte[] encode(Fitted f, ForkJoinPool pool) {
        int rows = f.source().rows();
        int rowBytes = (int) Palette.rowBytes(f.source().cols(), f.bits());
        byte[] out = new byte[Math.toIntExact(f.indexBytes())];
        int chunk = Math.max(1, rows / (pool.getParallelism() * 4));
        List<ForkJoinTask<?>> tasks = new ArrayList<>();
        for (int r0 = 0; r0 < rows; r0 += chunk) {
            int a = r0, b = Math.min(rows, r0 + chunk);
            tasks.add(pool.submit(() -> {
                byte[] part = new byte[(b - a) * rowBytes];
                encode(f, a, b, part);
                System.arraycopy(part, 0, out, a * rowBytes, part.length);
            }));
        }
        for (ForkJoinTask<?> t : tasks) t.join();
        return out;
    }

    /** {@code sum_j w_j (W_rj - table value)^2} of the fitted palette, for reports and tests. */
    public static double weightedError(Fitted f, float[] importance) {
        double[] w = columnWeights(importance, f.source().cols());
        int k = 1 << f.bits();
        float[] row = new float[f.source().cols()], table = new float[k];
        double e = 0;
        for (int r = 0; r < f.source().rows(); r++) {
            f.source().row(r, row);
            System.arraycopy(f.lut(), (r / f.groupRows()) * k, table, 0, k);
            for (int c = 0; c < row.length; c++) {
                double d = row[c] - table[WeightedKMeans.nearest(table, row[c])];
                e += (w == null ? 1 : w[c]) * d * d;
            }
        }
        return e;
    }
}
