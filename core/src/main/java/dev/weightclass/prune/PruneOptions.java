package dev.weightclass.prune;

import dev.weightclass.WeightclassException;
import dev.weightclass.quant.QuantPreset;

import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What to prune and how. Layer indices are the input model's.
 *
 * @param method          how weights are scored
 * @param sparsity        fraction of each pruned row to zero, in [0, 1); for an N:M pattern it is
 *                        the pattern's own {@code 1 - N/M}
 * @param pattern         unstructured or N:M
 * @param skipLayers      blocks left dense
 * @param firstLastDenser the first and last block get half the sparsity (N:M: stay dense); they
 *                        are the most sensitive to pruning
 * @param dropLayers      blocks removed outright (the block count shrinks, later blocks renumber)
 * @param type            quantize the output to this preset in the same pass, or null to keep types
 * @param threads         worker threads
 */
public record PruneOptions(PruneMethod method, double sparsity, SparsityPattern pattern, SortedSet<Integer> skipLayers,
                           boolean firstLastDenser, SortedSet<Integer> dropLayers, QuantPreset type, int threads) {

    public PruneOptions {
        skipLayers = new TreeSet<>(skipLayers);
        dropLayers = new TreeSet<>(dropLayers);
        if (Double.isNaN(sparsity) || sparsity < 0 || sparsity >= 1) {
            throw new WeightclassException("--sparsity " + sparsity + " is outside [0, 1): 0 keeps every weight, "
                    + "values near 1 zero almost all");
        }
        if (pattern.structured() && Math.abs(sparsity - pattern.sparsity()) > 1e-9) {
            throw new WeightclassException("--pattern " + pattern + " fixes the sparsity at " + pattern.sparsity()
                    + ", not " + sparsity + " (leave --sparsity out)");
        }
        if (threads < 1) throw new WeightclassException("--threads must be at least 1, got " + threads);
    }

    /** Unstructured pruning to {@code sparsity}, every layer, types kept, all cores. */
    public static PruneOptions of(PruneMethod method, double sparsity) {
        return new PruneOptions(method, sparsity, SparsityPattern.UNSTRUCTURED, new TreeSet<>(), false, new TreeSet<>(),
                null, Runtime.getRuntime().availableProcessors());
    }

    /** N:M pruning, every layer. */
    public static PruneOptions of(PruneMethod method, SparsityPattern pattern) {
        return new PruneOptions(method, pattern.sparsity(), pattern, new TreeSet<>(), false, new TreeSet<>(), null,
                Runtime.getRuntime().availableProcessors());
    }

    public PruneOptions withSkipLayers(Set<Integer> s) {
        return new PruneOptions(method, sparsity, pattern, new TreeSet<>(s), firstLastDenser, dropLayers, type, threads);
    }

    public PruneOptions withFirstLastDenser(boolean b) {
        return new PruneOptions(method, sparsity, pattern, skipLayers, b, dropLayers, type, threads);
    }

    public PruneOptions withDropLayers(Set<Integer> s) {
        return new PruneOptions(method, sparsity, pattern, skipLayers, firstLastDenser, new TreeSet<>(s), type, threads);
    }

    public PruneOptions withType(QuantPreset t) {
        return new PruneOptions(method, sparsity, pattern, skipLayers, firstLastDenser, dropLayers, t, threads);
    }

    public PruneOptions withThreads(int n) {
        return new PruneOptions(method, sparsity, pattern, skipLayers, firstLastDenser, dropLayers, type, n);
    }

    /** The sparsity block {@code layer} of a {@code layers}-block model gets (0 = dense). */
    public double sparsityOf(int layer, int layers) {
        if (skipLayers.contains(layer)) return 0;
        if (firstLastDenser && (layer == 0 || layer == layers - 1)) return pattern.structured() ? 0 : sparsity / 2;
        return sparsity;
    }

    /** Throws when a layer index is outside the model or nothing would be left. */
    public void checkLayers(int layers) {
        check("--skip-layers", skipLayers, layers);
        check("--drop-layers", dropLayers, layers);
        if (dropLayers.size() >= layers) {
            throw new WeightclassException("--drop-layers would remove all " + layers + " layers of the model");
        }
    }

    private static void check(String option, Set<Integer> set, int layers) {
        for (int l : set) {
            if (l < 0 || l >= layers) {
                throw new WeightclassException(option + " " + l + ": the model has " + layers + " layers (0.."
                        + (layers - 1) + ")");
            }
        }
    }
}
