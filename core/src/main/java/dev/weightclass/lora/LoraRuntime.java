package dev.weightclass.lora;

import dev.weightclass.WeightclassException;
import dev.weightclass.format.ModelFile;
import dev.weightclass.runtime.Kernels;
import dev.weightclass.runtime.LinearAdapter;
import dev.weightclass.runtime.LlamaModel;
import dev.weightclass.runtime.LlamaWeights;
import dev.weightclass.runtime.WeightMatrix;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Adapters applied while the model runs, without merging: each adapted linear layer computes
 * {@code y = x·Wᵀ + scale · (x·Aᵀ)·Bᵀ}, the base weight untouched in its mapped file. The pairs
 * are bound to the base's weights by name once, when they are attached; several adapters on one
 * weight add up. A and B are small ((in + out) · r floats) and live on the heap.
 */
public final class LoraRuntime implements LinearAdapter {

    /** One update on one weight: A [rank][in], B [out][rank]. */
    private record Term(float[] a, float[] b, int rank, int in, int out, float scale) {}

    private final Map<String, List<Term>> byWeight;
    private final Kernels kernels;
    private final int pairs;

    private LoraRuntime(Map<String, List<Term>> byWeight, Kernels kernels, int pairs) {
        this.byWeight = byWeight;
        this.kernels = kernels;
        this.pairs = pairs;
    }

    /** Opens {@code base}, attaches {@code adapters} and returns the model (closing it closes the file). */
    public static LlamaModel open(Path base, Kernels kernels, List<AdapterSpec> adapters) throws IOException {
        ModelFile file = ModelFile.open(base);
        LlamaModel m = LlamaModel.owning(file, kernels);
        try {
            if (!adapters.isEmpty()) attach(m, file, adapters);
            return m;
        } catch (RuntimeException | IOException e) {
            m.close();
            throw e;
        }
    }

    /** Binds {@code adapters} to the weights of {@code model} (opened from {@code base}) and installs them. */
    public static LoraRuntime attach(LlamaModel model, ModelFile base, List<AdapterSpec> adapters) throws IOException {
        Set<String> used = usedWeights(model.weights());
        Map<String, List<Term>> byWeight = new HashMap<>();
        int count = 0;
        for (AdapterSpec spec : adapters) {
            try (LoraAdapter adapter = LoraAdapter.open(spec.path())) {
                for (BoundPair b : LoraBinding.bind(adapter, base, spec.scale())) {
                    String name = b.base().name();
                    if (b.transposed() || !used.contains(name)) {
                        throw new WeightclassException(spec.path() + ": " + b.pair().target() + " changes " + name
                                + ", which the runtime does not multiply as a linear layer; merge this adapter instead");
                    }
                    LoraPair p = b.pair();
                    byWeight.computeIfAbsent(name, k -> new ArrayList<>())
                            .add(new Term(b.a(adapter), b.b(adapter), p.rank(), p.in(), p.out(), (float) b.scale()));
                    count++;
                }
            }
        }
        LoraRuntime r = new LoraRuntime(byWeight, model.kernels(), count);
        model.setLinearAdapter(r);
        return r;
    }

    private static Set<String> usedWeights(LlamaWeights w) {
        Set<String> s = new HashSet<>();
        // a tied classifier is the embedding table, which lookups read directly: not a linear layer only
        if (!w.tied()) s.add(w.output.name());
        for (LlamaWeights.Layer l : w.layers) {
            for (WeightMatrix m : new WeightMatrix[] {l.wq(), l.wk(), l.wv(), l.wo(), l.gate(), l.up(), l.down()}) {
                s.add(m.name());
            }
        }
        return s;
    }

    /** Pairs attached over all adapters. */
    public int pairs() { return pairs; }

    @Override
    public void addTo(int layer, WeightMatrix weight, float[][] in, float[][] out, int n) {
        List<Term> terms = byWeight.get(weight.name());
        if (terms == null) return;
        for (Term t : terms) {
            if (n >= 4) kernels.parallelFor(n, 1, (b0, b1) -> apply(t, in, out, b0, b1));
            else apply(t, in, out, 0, n);
        }
    }

    /** out[b] += scale · B (A x_b) for tokens b0..b1. */
    private static void apply(Term t, float[][] in, float[][] out, int b0, int b1) {
        float[] h = new float[t.rank];
        for (int b = b0; b < b1; b++) {
            float[] x = in[b], y = out[b];
            for (int k = 0; k < t.rank; k++) {
                float s = 0;
                int ak = k * t.in;
                for (int i = 0; i < t.in; i++) s += t.a[ak + i] * x[i];
                h[k] = s * t.scale;
            }
            for (int o = 0; o < t.out; o++) {
                float s = 0;
                int bo = o * t.rank;
                for (int k = 0; k < t.rank; k++) s += t.b[bo + k] * h[k];
                y[o] += s;
            }
        }
    }
}
