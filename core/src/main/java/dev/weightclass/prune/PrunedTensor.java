package dev.weightclass.prune;

import dev.weightclass.tensor.TensorType;

/**
 * One pruned matrix: what was asked, what the file now holds, and its storage in every form.
 *
 * @param name           name in the input
 * @param outputName     name in the output (renumbered when blocks were dropped)
 * @param layer          block index in the input
 * @param rows           output features
 * @param cols           input features (row length)
 * @param from           input type
 * @param to             output type
 * @param targetSparsity the sparsity asked for this block
 * @param pruned         weights the method selected and zeroed
 * @param zerosStored    weights that are exactly zero in the output (pruned ones plus zeros the
 *                       input already had, minus any the output encoding could not keep zero)
 * @param bytesIn        dense bytes in the input
 * @param bytesOut       dense bytes in the output
 * @param zstdIn         zstd size of the input bytes
 * @param zstdOut        zstd size of the output bytes
 */
public record PrunedTensor(String name, String outputName, int layer, long rows, long cols, TensorType from,
                           TensorType to, double targetSparsity, long pruned, long zerosStored, long bytesIn,
                           long bytesOut, long zstdIn, long zstdOut) {

    public long elements() { return rows * cols; }

    /** Fraction of the output's weights that are zero. */
    public double sparsity() { return (double) zerosStored / elements(); }

    public long nonZeros() { return elements() - zerosStored; }

    public long csrBytes() { return SparseEncoding.csr(rows, cols, nonZeros(), to.bitsPerWeight()); }

    public long bitmaskBytes() { return SparseEncoding.bitmask(rows, cols, nonZeros(), to.bitsPerWeight()); }

    public long nmBytes(SparsityPattern p) { return SparseEncoding.nm(elements(), p, to.bitsPerWeight()); }

    /** The smallest of dense, CSR, bitmask and (for N:M) the N:M layout. */
    public long bestBytes(SparsityPattern p) {
        long best = Math.min(bytesOut, Math.min(csrBytes(), bitmaskBytes()));
        long nm = nmBytes(p);
        return nm > 0 && targetSparsity > 0 ? Math.min(best, nm) : best;
    }
}
