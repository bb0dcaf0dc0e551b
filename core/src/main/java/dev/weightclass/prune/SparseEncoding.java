package dev.weightclass.prune;

/**
 * Bytes a pruned matrix would take in a sparse layout instead of dense rows. Values cost the
 * output type's bits per weight (for block-quantized types their scales are spread over the kept
 * values, an estimate: no runtime ships sparse k-quants).
 * <ul>
 *   <li>CSR: values, a column index per value (16-bit up to 65,536 columns, else 32-bit), and
 *       rows + 1 32-bit row starts.</li>
 *   <li>Bitmask: one bit per weight saying kept or not, then the kept values.</li>
 *   <li>N:M: the N kept values of every group of M and a log2(M)-bit index for each (2:4 is the
 *       layout of sparse tensor cores: 2 values and 2 x 2 bits per 4 weights).</li>
 * </ul>
 */
public final class SparseEncoding {
    private SparseEncoding() {}

    public static long csr(long rows, long cols, long nonZeros, double valueBits) {
        int indexBytes = cols <= 65536 ? 2 : 4;
        return bytes(nonZeros * valueBits) + nonZeros * indexBytes + (rows + 1) * 4;
    }

    public static long bitmask(long rows, long cols, long nonZeros, double valueBits) {
        return rows * ((cols + 7) / 8) + bytes(nonZeros * valueBits);
    }

    /** N:M storage of {@code elements} weights, or -1 when the pattern is unstructured. */
    public static long nm(long elements, SparsityPattern p, double valueBits) {
        if (!p.structured()) return -1;
        long kept = elements / p.m() * p.n();
        int indexBits = 32 - Integer.numberOfLeadingZeros(p.m() - 1);
        return bytes(kept * (valueBits + indexBits));
    }

    private static long bytes(double bits) {
        return (long) Math.ceil(bits / 8);
    }
}
