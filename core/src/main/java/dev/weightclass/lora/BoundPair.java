package dev.weightclass.lora;

import dev.weightclass.tensor.TensorInfo;

/**
 * A pair of an adapter matched to the base tensor it changes, in the base's own layout.
 *
 * @param pair       the adapter's A/B pair
 * @param base       the base tensor
 * @param scale      the multiplier of B·A (the adapter's scale times the user's)
 * @param transposed the base stores the weight [in, out], so the update added is (B·A)^T
 * @param bRows      B's rows reordered to the base's row order ({@code base[i] = b[bRows[i]]}),
 *                   or null when the orders agree
 */
public record BoundPair(LoraPair pair, TensorInfo base, double scale, boolean transposed, int[] bRows) {

    /** A, [rank][in] row-major. */
    public float[] a(LoraAdapter adapter) { return adapter.readA(pair); }

    /** B in the base's output-row order, [out][rank] row-major. */
    public float[] b(LoraAdapter adapter) {
        float[] b = adapter.readB(pair);
        return bRows == null ? b : TensorNames.permuteRows(b, pair.rank(), bRows);
    }
}
