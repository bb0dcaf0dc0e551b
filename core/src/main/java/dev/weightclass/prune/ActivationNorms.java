package dev.weightclass.prune;

import dev.weightclass.WeightclassException;
import dev.weightclass.runtime.Kernels;
import dev.weightclass.runtime.LlamaModel;
import dev.weightclass.runtime.LinearInputHook;

import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * ||X_j||_2 for every input feature j of every linear layer, over the calibration tokens: what
 * Wanda multiplies each weight's magnitude by. Collected by running sequences through the runtime
 * with a {@link LinearInputHook}; the forward passes and the accumulation both run on all the
 * kernels' threads. Matrices that share an input (q, k, v; gate, up) each get the same norms.
 */
public final class ActivationNorms {
    private final Map<String, float[]> norms;
    private final long tokens;
    private final int sequences;

    private ActivationNorms(Map<String, float[]> norms, long tokens, int sequences) {
        this.norms = norms;
        this.tokens = tokens;
        this.sequences = sequences;
    }

    /** Norms of the inputs of tensor {@code name} (as the model file names it), or null if never run. */
    public float[] of(String name) { return norms.get(name); }

    public Map<String, float[]> all() { return Collections.unmodifiableMap(norms); }

    /** Calibration tokens that passed through each layer. */
    public long tokens() { return tokens; }

    public int sequences() { return sequences; }

    /**
     * Runs every sequence (each a fresh session, one batch) through {@code model} and accumulates
     * the squared inputs of every block's linear layers (the classifier is not pruned, so not watched).
     *
     * @param progress told the index of each finished sequence, may be null
     */
    public static ActivationNorms collect(LlamaModel model, List<int[]> sequences, IntConsumer progress) {
        if (sequences.isEmpty()) throw new WeightclassException("calibration needs at least one sequence");
        int longest = sequences.stream().mapToInt(s -> s.length).max().orElse(0);
        if (longest < 1) throw new WeightclassException("calibration sequences are empty");
        Map<String, double[]> sums = new HashMap<>();
        Kernels k = model.kernels();
        // The hook runs on the thread driving the forward pass, between two matrix products; the
        // sum over tokens is split by column over the kernels' threads (disjoint, so no locking).
        LinearInputHook hook = (layer, w, inputs, n) -> {
            if (layer < 0) return;
            double[] acc = sums.computeIfAbsent(w.name(), x -> new double[w.cols()]);
            k.parallelFor(w.cols(), Math.max(64, (1 << 16) / Math.max(1, n)), (c0, c1) -> {
                for (int i = 0; i < n; i++) {
                    float[] x = inputs[i];
                    for (int c = c0; c < c1; c++) acc[c] += (double) x[c] * x[c];
                }
            });
        };
        long tokens = 0;
        LlamaModel.Session s = model.newSession(longest);
        model.setLinearInputHook(hook);
        try {
            for (int i = 0; i < sequences.size(); i++) {
                int[] seq = sequences.get(i);
                s.reset();
                model.forward(s, seq, 0, seq.length, seq.length - 1, (idx, logits) -> { });
                tokens += seq.length;
                if (progress != null) progress.accept(i);
            }
        } finally {
            model.setLinearInputHook(null);
        }
        Map<String, float[]> out = new HashMap<>();
        sums.forEach((name, acc) -> {
            float[] r = new float[acc.length];
            for (int c = 0; c < acc.length; c++) r[c] = (float) Math.sqrt(acc[c]);
            out.put(name, r);
        });
        return new ActivationNorms(out, tokens, sequences.size());
    }

    /** Norms given directly (tests, or norms computed elsewhere). */
    public static ActivationNorms of(Map<String, float[]> norms, long tokens, int sequences) {
        return new ActivationNorms(new HashMap<>(norms), tokens, sequences);
    }
}
