package dev.weightclass.runtime;

/**
 * Adds a correction to a linear layer's output right after the stored weight's product: how
 * low-rank adapters (LoRA) run on top of an unchanged base model. Bound to weights by name when
 * it is installed, so the per-call work is a map lookup and the adapter's own small products.
 */
@FunctionalInterface
public interface LinearAdapter {

    /**
     * Adds to {@code out[b][0..weight.rows())} a function of {@code in[b][0..weight.cols())}, for b < n.
     *
     * @param layer  block index, -1 for the output classifier
     * @param weight the weight whose product {@code out} already holds (its name says which)
     */
    void addTo(int layer, WeightMatrix weight, float[][] in, float[][] out, int n);
}
