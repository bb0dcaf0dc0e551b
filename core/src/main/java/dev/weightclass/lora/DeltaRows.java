package dev.weightclass.lora;

/**
 * The rows of one update {@code scale * B·A} (or its transpose) in the base tensor's storage
 * order, computed a row at a time so the full matrix never exists. Each element is summed over
 * the rank in double (products of floats are exact there) and rounded to float once.
 */
final class DeltaRows {
    private final float[] a, b;   // A [rank][in], B [out][rank]
    private final int rank, in, out;
    private final double scale;
    private final boolean transposed;

    DeltaRows(float[] a, float[] b, int rank, int in, int out, double scale, boolean transposed) {
        this.a = a;
        this.b = b;
        this.rank = rank;
        this.in = in;
        this.out = out;
        this.scale = scale;
        this.transposed = transposed;
    }

    static DeltaRows of(BoundPair p, LoraAdapter adapter) {
        LoraPair q = p.pair();
        return new DeltaRows(p.a(adapter), p.b(adapter), q.rank(), q.in(), q.out(), p.scale(), p.transposed());
    }

    /** Rows of the stored tensor: out, or in when transposed. */
    int rows() { return transposed ? in : out; }

    int cols() { return transposed ? out : in; }

    /** {@code dst[c] = delta[row][c]}; {@code acc} is scratch of at least {@link #cols()} doubles. */
    void row(int row, double[] acc, float[] dst) {
        if (transposed) {
            // (B·A)^T[i][o] = sum_k A[k][i] B[o][k]
            for (int o = 0; o < out; o++) {
                double s = 0;
                for (int k = 0; k < rank; k++) s += (double) b[o * rank + k] * a[k * in + row];
                dst[o] = (float) (scale * s);
            }
        } else {
            // (B·A)[o][i] = sum_k B[o][k] A[k][i]
            java.util.Arrays.fill(acc, 0, in, 0);
            int bo = row * rank;
            for (int k = 0; k < rank; k++) {
                double bk = b[bo + k];
                int ak = k * in;
                for (int i = 0; i < in; i++) acc[i] += bk * a[ak + i];
            }
            for (int i = 0; i < in; i++) dst[i] = (float) (scale * acc[i]);
        }
    }
}
