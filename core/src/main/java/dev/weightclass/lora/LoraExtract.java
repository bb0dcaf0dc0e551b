package dev.weightclass.lora;

import dev.weightclass.WeightclassException;
import dev.weightclass.format.ModelFile;
import dev.weightclass.quant.TensorRows;
import dev.weightclass.tensor.TensorInfo;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.io.IOException;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;
import java.util.regex.Pattern;

/**
 * Turns a fine-tuned model back into a LoRA adapter: for each target tensor, the difference
 * D = W_finetuned - W_base is approximated by its best rank-R factorization (truncated SVD,
 * D ≈ U_R Σ_R V_Rᵀ) and stored as B = U_R √Σ_R, A = √Σ_R V_Rᵀ with alpha = R (scale 1).
 * The energy captured, Σ_{i<R} σ_i² / ‖D‖², says how much of the fine-tune the rank keeps.
 * Tensors run in parallel; each holds one float copy of its difference while it runs.
 */
public final class LoraExtract {
    private LoraExtract() {}

    /**
     * @param rank            R, the adapter's rank
     * @param oversample      extra random directions of the randomized SVD
     * @param powerIterations power iterations of the randomized SVD (more = sharper for slowly decaying spectra)
     * @param targets         which 2-D tensors to extract (null: every 2-D tensor inside the blocks)
     * @param seed            random seed for the projections
     * @param threads         tensors worked on at once
     */
    public record Options(int rank, int oversample, int powerIterations, Pattern targets, long seed, int threads) {
        public static Options rank(int r) { return new Options(r, 10, 2, null, 42, Runtime.getRuntime().availableProcessors()); }

        public Options withTargets(Pattern p) { return new Options(rank, oversample, powerIterations, p, seed, threads); }

        public Options withThreads(int t) { return new Options(rank, oversample, powerIterations, targets, seed, t); }

        public Options withPowerIterations(int q) { return new Options(rank, oversample, q, targets, seed, threads); }
    }

    /**
     * One extracted update in the base's orientation-independent form: the update is
     * B·A [out, in]; when {@code transposed}, the base tensor stores it as (B·A)ᵀ.
     *
     * @param energy        fraction of ‖D‖² the rank-R factors hold
     * @param exact         all singular values were computed (no random projection)
     */
    public record Factors(TensorInfo base, float[] a, float[] b, int rank, int in, int out, boolean transposed,
                          double energy, double differenceNorm, boolean exact, double seconds) {
        /** ‖D - B·A‖ / ‖D‖ implied by the energy. */
        public double relativeError() { return Math.sqrt(Math.max(0, 1 - energy)); }
    }

    public record Result(List<Factors> factors, List<String> unchanged, double seconds) {}

    /** Extracts an adapter; {@code progress} gets the index of each finished tensor (may be null). */
    public static Result extract(ModelFile base, ModelFile finetuned, Options o, IntConsumer progress) throws IOException {
        if (o.rank() < 1) throw new WeightclassException("--rank must be at least 1, got " + o.rank());
        if (o.powerIterations() < 0 || o.oversample() < 0) {
            throw new WeightclassException("power iterations and oversampling must be >= 0");
        }
        List<TensorInfo[]> work = targets(base, finetuned, o);
        for (TensorInfo[] w : work) {
            long[] s = w[0].shape();
            if (o.rank() > Math.min(s[0], s[1])) {
                throw new WeightclassException("rank " + o.rank() + " is out of range for tensor " + w[0].name() + " "
                        + Arrays.toString(s) + " (at most " + Math.min(s[0], s[1]) + ")");
            }
        }
        long t0 = System.nanoTime();
        ExecutorService pool = Workers.pool("lora-extract", o.threads());
        List<Future<Factors>> futures = new ArrayList<>();
        try {
            for (int i = 0; i < work.size(); i++) {
                TensorInfo[] w = work.get(i);
                long seed = o.seed() + i;
                futures.add(pool.submit(() -> one(base, finetuned, w[0], w[1], o, seed)));
            }
            List<Factors> out = new ArrayList<>();
            List<String> unchanged = new ArrayList<>();
            for (int i = 0; i < futures.size(); i++) {
                Factors f = Workers.get(futures.get(i), "extracting " + work.get(i)[0].name());
                if (f == null) unchanged.add(work.get(i)[0].name());
                else out.add(f);
                if (progress != null) progress.accept(i);
            }
            return new Result(out, unchanged, (System.nanoTime() - t0) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Pairs (base, fine-tuned) of the tensors to extract, in base file order. */
    static List<TensorInfo[]> targets(ModelFile base, ModelFile finetuned, Options o) {
        List<TensorInfo[]> work = new ArrayList<>();
        for (TensorInfo b : base.tensors()) {
            if (b.rank() != 2) continue;
            if (o.targets() != null ? !o.targets().matcher(b.name()).find() : b.layer() < 0) continue;
            TensorInfo f = finetuned.tensor(b.name()).orElse(null);
            if (f == null) {
                throw new WeightclassException(finetuned.path() + ": has no tensor " + b.name() + " (the base "
                        + base.path() + " has)");
            }
            if (!Arrays.equals(b.shape(), f.shape())) {
                throw new WeightclassException("tensor " + b.name() + " has shape " + Arrays.toString(b.shape())
                        + " in the base but " + Arrays.toString(f.shape()) + " in the fine-tuned model");
            }
            for (TensorInfo t : new TensorInfo[] {b, f}) {
                if (!TensorRows.readable(t.type())) {
                    throw new WeightclassException("tensor " + t.name() + " is " + t.type() + ", which cannot be read as floats");
                }
            }
            work.add(new TensorInfo[] {b, f});
        }
        if (work.isEmpty()) {
            throw new WeightclassException(base.path() + ": no 2-D tensors to extract"
                    + (o.targets() != null ? " match " + o.targets().pattern() : " inside the model's blocks"));
        }
        return work;
    }

    /** The factors of one tensor, or null when the two are identical. */
    static Factors one(ModelFile base, ModelFile finetuned, TensorInfo b, TensorInfo f, Options o, long seed) {
        long t0 = System.nanoTime();
        int rows = (int) b.dim(0), cols = (int) b.dim(1);
        float[] d = new float[Math.multiplyExact(rows, cols)];
        float[] row = new float[cols];
        MemorySegment bd = base.data(b), fd = finetuned.data(f);
        boolean any = false;
        for (int r = 0; r < rows; r++) {
            TensorRows.read(fd, f.type(), cols, r, d, r * cols);
            TensorRows.read(bd, b.type(), cols, r, row, 0);
            for (int c = 0; c < cols; c++) {
                float x = d[r * cols + c] - row[c];
                d[r * cols + c] = x;
                any |= x != 0;
            }
        }
        if (!any) return null;
        int rank = o.rank();
        TruncatedSvd.Result svd = TruncatedSvd.of(d, rows, cols, rank, o.oversample(), o.powerIterations(), seed);
        // D [rows, cols] ≈ U Σ Vᵀ. Linear weights store [out, in]: B = U√Σ, A = √Σ Vᵀ.
        // Conv1D weights store [in, out]: Dᵀ = V Σ Uᵀ, so B = V√Σ, A = √Σ Uᵀ.
        boolean transposed = TensorNames.isConv1d(b.name()) && !b.name().startsWith("blk.");
        double[][] left = transposed ? svd.v() : svd.u(), right = transposed ? svd.u() : svd.v();
        int out = transposed ? cols : rows, in = transposed ? rows : cols;
        float[] bm = new float[out * rank], am = new float[rank * in];
        for (int k = 0; k < rank; k++) {
            double sq = Math.sqrt(svd.s()[k]);
            for (int i = 0; i < out; i++) bm[i * rank + k] = (float) (left[k][i] * sq);
            for (int j = 0; j < in; j++) am[k * in + j] = (float) (right[k][j] * sq);
        }
        return new Factors(b, am, bm, rank, in, out, transposed, svd.energy(rank), Math.sqrt(svd.totalEnergy()),
                svd.exact(), (System.nanoTime() - t0) / 1e9);
    }
}
