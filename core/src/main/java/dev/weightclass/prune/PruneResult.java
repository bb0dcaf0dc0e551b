package dev.weightclass.prune;

import java.nio.file.Path;
import java.util.List;
import java.util.SortedSet;

/**
 * What {@link Pruner#prune} wrote.
 *
 * @param output          the file written
 * @param options         what was asked
 * @param tensors         every pruned (or, in a skipped block, re-encoded) matrix
 * @param layersIn        blocks in the input
 * @param layersOut       blocks in the output
 * @param droppedBytes    bytes of the tensors of the dropped blocks
 * @param inputFileBytes  size of the input file(s)
 * @param outputFileBytes size of the output file
 * @param warnings        things the user should know (requantized tensors...)
 */
public record PruneResult(Path output, PruneOptions options, List<PrunedTensor> tensors, int layersIn, int layersOut,
                          long droppedBytes, long inputFileBytes, long outputFileBytes, List<String> warnings) {

    public SortedSet<Integer> dropped() { return options.dropLayers(); }

    private long sum(java.util.function.ToLongFunction<PrunedTensor> f) {
        return tensors.stream().mapToLong(f).sum();
    }

    public long elements() { return sum(PrunedTensor::elements); }

    public long zerosStored() { return sum(PrunedTensor::zerosStored); }

    /** Zeros over all weights of the prunable matrices. */
    public double sparsity() { return elements() == 0 ? 0 : (double) zerosStored() / elements(); }

    public long matrixBytesIn() { return sum(PrunedTensor::bytesIn); }

    public long matrixBytesOut() { return sum(PrunedTensor::bytesOut); }

    public long zstdIn() { return sum(PrunedTensor::zstdIn); }

    public long zstdOut() { return sum(PrunedTensor::zstdOut); }

    public long csrBytes() { return sum(PrunedTensor::csrBytes); }

    public long bitmaskBytes() { return sum(PrunedTensor::bitmaskBytes); }

    /** N:M layout of the pruned matrices, -1 when unstructured. */
    public long nmBytes() {
        if (!options.pattern().structured()) return -1;
        return sum(t -> t.targetSparsity() > 0 ? t.nmBytes(options.pattern()) : t.bytesOut());
    }

    /** The matrices each in their smallest layout. */
    public long bestBytes() { return sum(t -> t.bestBytes(options.pattern())); }

    /**
     * One block's pruned matrices together.
     *
     * @param layer       block index in the input
     * @param outputLayer block index in the output
     * @param nm          N:M layout bytes, -1 when unstructured or the block stayed dense
     */
    public record Layer(int layer, int outputLayer, double targetSparsity, long elements, long zeros, long bytesIn,
                        long bytesOut, long zstdIn, long zstdOut, long csr, long bitmask, long nm, long best) {
        public double sparsity() { return elements == 0 ? 0 : (double) zeros / elements; }
    }

    /** Per block, in block order (dropped blocks have none). */
    public List<Layer> layers() {
        java.util.TreeMap<Integer, List<PrunedTensor>> by = new java.util.TreeMap<>();
        for (PrunedTensor t : tensors) by.computeIfAbsent(t.layer(), k -> new java.util.ArrayList<>()).add(t);
        List<Layer> out = new java.util.ArrayList<>();
        by.forEach((l, ts) -> {
            long e = 0, z = 0, bi = 0, bo = 0, zi = 0, zo = 0, csr = 0, bm = 0, nm = 0, best = 0;
            double target = ts.getFirst().targetSparsity();
            for (PrunedTensor t : ts) {
                e += t.elements();
                z += t.zerosStored();
                bi += t.bytesIn();
                bo += t.bytesOut();
                zi += t.zstdIn();
                zo += t.zstdOut();
                csr += t.csrBytes();
                bm += t.bitmaskBytes();
                nm += t.nmBytes(options.pattern());
                best += t.bestBytes(options.pattern());
            }
            boolean nmApplies = options.pattern().structured() && target > 0;
            out.add(new Layer(l, LayerNames.renumber(l, options.dropLayers()), target, e, z, bi, bo, zi, zo, csr, bm,
                    nmApplies ? nm : -1, best));
        });
        return out;
    }
}
