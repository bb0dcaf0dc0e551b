package dev.weightclass.runtime;

/**
 * Sees the input of every linear layer as the model runs: what activation-aware pruning (Wanda) and
 * importance-weighted quantization measure. {@code inputs[0..n)} are the rows for the n tokens of
 * the current batch, each {@code weight.cols()} long; they are only valid during the call.
 */
@FunctionalInterface
public interface LinearInputHook {

    /**
     * @param layer  block index, -1 for the output classifier
     * @param weight the weight about to multiply these inputs (its name says which)
     */
    void onInput(int layer, WeightMatrix weight, float[][] inputs, int n);
}
