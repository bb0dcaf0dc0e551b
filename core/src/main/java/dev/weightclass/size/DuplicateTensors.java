package dev.weightclass.size;

import dev.weightclass.format.ModelFile;
import dev.weightclass.tensor.TensorInfo;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds tensors stored more than once: the same bytes under different names (tied embeddings
 * written twice, shared layers). Candidates must agree in type and size; a sampled fingerprint
 * rules out almost every pair cheaply, and only survivors are compared in full, so trained
 * models cost a few page reads.
 */
public final class DuplicateTensors {
    private DuplicateTensors() {}

    /**
     * Tensors with identical bytes; the first is the one kept. {@code verified} is false when
     * only samples were compared (the full comparison would have read more than
     * {@link #FULL_COMPARE_BUDGET}).
     */
    public record Group(List<String> names, long bytesEach, long parametersEach, boolean verified) {
        public long savedBytes() { return bytesEach * (names.size() - 1); }

        public long savedParameters() { return parametersEach * (names.size() - 1); }
    }

    private static final int SAMPLE = 256;

    /** Bytes compared in full at most, so inspect stays a header-speed command on any model. */
    static final long FULL_COMPARE_BUDGET = 512L << 20;

    public static List<Group> find(ModelFile model) {
        return find(model, FULL_COMPARE_BUDGET);
    }

    /** As {@link #find(ModelFile)}, comparing at most {@code fullCompareBudget} bytes in full. */
    public static List<Group> find(ModelFile model, long fullCompareBudget) {
        // Only tensors that agree in type and size can be equal: most models have no such pair
        // outside the repeated layers, and those differ in their first bytes. Reading goes in
        // three steps (first bytes, spread samples, everything) so each step touches only the
        // survivors of the last one: a cold 100 GB file costs one page per candidate tensor.
        Map<String, List<TensorInfo>> bySize = new LinkedHashMap<>();
        for (TensorInfo t : model.tensors()) {
            if (t.byteSize() < 64 || t.parameters() == 0) continue; // norms are not worth reporting
            bySize.computeIfAbsent(t.type() + ":" + t.byteSize(), k -> new ArrayList<>()).add(t);
        }
        List<Group> groups = new ArrayList<>();
        long[] budget = {fullCompareBudget};
        for (List<TensorInfo> sameSize : bySize.values()) {
            if (sameSize.size() < 2) continue;
            for (List<TensorInfo> sameHead : split(sameSize, t -> head(model.data(t)))) {
                for (List<TensorInfo> sameSamples : split(sameHead, t -> fingerprint(model.data(t)))) {
                    groups.addAll(compareInFull(model, sameSamples, budget));
                }
            }
        }
        return groups;
    }

    private static List<List<TensorInfo>> split(List<TensorInfo> ts, java.util.function.ToLongFunction<TensorInfo> key) {
        if (ts.size() < 2) return List.of();
        Map<Long, List<TensorInfo>> by = new LinkedHashMap<>();
        for (TensorInfo t : ts) by.computeIfAbsent(key.applyAsLong(t), k -> new ArrayList<>()).add(t);
        return by.values().stream().filter(l -> l.size() > 1).toList();
    }

    private static List<Group> compareInFull(ModelFile model, List<TensorInfo> candidates, long[] budget) {
        List<Group> groups = new ArrayList<>();
        long cost = candidates.getFirst().byteSize() * candidates.size();
        if (cost > budget[0]) {
            // Same size, same first bytes, same samples: almost surely equal, but not proven.
            List<String> names = candidates.stream().map(TensorInfo::name).toList();
            TensorInfo first = candidates.getFirst();
            return List.of(new Group(names, first.byteSize(), first.parameters(), false));
        }
        budget[0] -= cost;
        List<TensorInfo> left = new ArrayList<>(candidates);
        while (left.size() > 1) {
            TensorInfo first = left.removeFirst();
            MemorySegment a = model.data(first);
            List<String> names = new ArrayList<>(List.of(first.name()));
            left.removeIf(t -> {
                if (a.mismatch(model.data(t)) == -1) {
                    names.add(t.name());
                    return true;
                }
                return false;
            });
            if (names.size() > 1) groups.add(new Group(names, first.byteSize(), first.parameters(), true));
        }
        return groups;
    }

    /** Hash of the first 64 bytes. */
    private static long head(MemorySegment s) {
        long h = 0;
        for (long i = 0; i + 8 <= Math.min(64, s.byteSize()); i += 8) {
            h = h * 0x9E3779B97F4A7C15L + s.get(ValueLayout.JAVA_LONG_UNALIGNED, i);
        }
        return h;
    }

    /** Hash of a few samples spread over the data. */
    private static long fingerprint(MemorySegment s) {
        long n = s.byteSize();
        long h = n;
        for (int k = 0; k < 4; k++) {
            long start = Math.max(0, Math.min(n - SAMPLE, (n / 4) * k));
            long end = Math.min(n, start + SAMPLE);
            for (long i = start; i < end; i += 8) {
                long v = end - i >= 8 ? s.get(ValueLayout.JAVA_LONG_UNALIGNED, i) : s.get(ValueLayout.JAVA_BYTE, i);
                h = h * 0x9E3779B97F4A7C15L + v;
            }
        }
        return h;
    }
}
