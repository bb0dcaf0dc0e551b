package dev.weightclass.share;

import dev.weightclass.format.ModelFile;
import dev.weightclass.quant.TensorRows;
import dev.weightclass.tensor.TensorInfo;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cross-layer parameter sharing (as in ALBERT): how alike the corresponding matrices of different
 * layers are, and what storing one for both would save. Similarity is the cosine of the two
 * flattened matrices and the relative L2 distance {@code ||B - A|| / ||A||} (A the earlier layer,
 * the one kept); sharing replaces B by an alias of A.
 */
public final class CrossLayer {
    private CrossLayer() {}

    private static final Pattern LAYER = Pattern.compile("^(.*?(?:blk|layers|h|layer)\\.)(\\d+)(\\..*)$");

    /** One pair of corresponding tensors. */
    public record Pair(String role, int layerA, int layerB, String nameA, String nameB, double cosine,
                       double relativeL2, long bytes) {}

    /** Every pair of same-role, same-shape, same-type 2-D tensors of different layers, most similar first. */
    public static List<Pair> analyse(ModelFile model, ForkJoinPool pool) {
        Map<String, List<TensorInfo>> byRole = new LinkedHashMap<>();
        Map<String, Integer> layerOf = new LinkedHashMap<>();
        for (TensorInfo t : model.tensors()) {
            Matcher m = LAYER.matcher(t.name());
            if (!m.matches() || t.shape().length != 2 || !TensorRows.readable(t.type())) continue;
            String role = m.group(1) + "N" + m.group(3) + ":" + t.type() + ":" + t.shape()[0] + "x" + t.shape()[1];
            byRole.computeIfAbsent(role, k -> new ArrayList<>()).add(t);
            layerOf.put(t.name(), Integer.parseInt(m.group(2)));
        }
        List<ForkJoinTask<Pair>> tasks = new ArrayList<>();
        for (Map.Entry<String, List<TensorInfo>> e : byRole.entrySet()) {
            List<TensorInfo> ts = e.getValue();
            String role = e.getKey().substring(0, e.getKey().indexOf(':'));
            for (int i = 0; i < ts.size(); i++) {
                for (int j = i + 1; j < ts.size(); j++) {
                    TensorInfo a = ts.get(i), b = ts.get(j);
                    tasks.add(pool.submit(() -> compare(model, role, a, b, layerOf.get(a.name()), layerOf.get(b.name()))));
                }
            }
        }
        List<Pair> out = new ArrayList<>();
        for (ForkJoinTask<Pair> t : tasks) out.add(t.join());
        out.sort(Comparator.comparingDouble(Pair::relativeL2));
        return out;
    }

    private static Pair compare(ModelFile model, String role, TensorInfo a, TensorInfo b, int la, int lb) {
        int rows = (int) a.shape()[0], cols = (int) a.shape()[1];
        float[] ra = new float[cols], rb = new float[cols];
        double dot = 0, na = 0, nb = 0, diff = 0;
        var da = model.data(a);
        var db = model.data(b);
        for (int r = 0; r < rows; r++) {
            TensorRows.read(da, a.type(), cols, r, ra, 0);
            TensorRows.read(db, b.type(), cols, r, rb, 0);
            for (int c = 0; c < cols; c++) {
                double x = ra[c], y = rb[c];
                dot += x * y;
                na += x * x;
                nb += y * y;
                diff += (y - x) * (y - x);
            }
        }
        if (la > lb) return compare(model, role, b, a, lb, la);
        double cos = na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
        double rel = na > 0 ? Math.sqrt(diff / na) : (diff == 0 ? 0 : Double.POSITIVE_INFINITY);
        return new Pair(role, la, lb, a.name(), b.name(), cos, rel, b.byteSize());
    }

    /**
     * Shares the {@code count} most similar pairs: each later tensor becomes an alias of the earlier
     * one. A tensor is shared at most once and a kept tensor is never itself replaced.
     *
     * @return the pairs applied
     */
    public static List<Pair> apply(SharedModel model, List<Pair> mostSimilarFirst, int count) {
        Set<String> kept = new HashSet<>(), replaced = new HashSet<>();
        List<Pair> done = new ArrayList<>();
        for (Pair p : mostSimilarFirst) {
            if (done.size() >= count) break;
            if (replaced.contains(p.nameA()) || kept.contains(p.nameB()) || replaced.contains(p.nameB())) continue;
            if (model.tensor(p.nameB()).isEmpty() || model.tensor(p.nameA()).isEmpty()) continue;
            model.alias(p.nameB(), p.nameA());
            kept.add(p.nameA());
            replaced.add(p.nameB());
            done.add(p);
        }
        return done;
    }
}
