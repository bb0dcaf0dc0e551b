package dev.weightclass.runtime.bert;

/**
 * Shape of a BERT-family encoder.
 *
 * @param vocabSize      token embedding rows
 * @param hidden         model width H
 * @param layers         encoder blocks
 * @param heads          attention heads (head width H / heads)
 * @param intermediate   feed-forward width F
 * @param maxPositions   position embedding rows: the longest input
 * @param typeVocab      token-type embedding rows (0 when the model has none)
 * @param layerNormEps   epsilon inside every LayerNorm
 */
public record BertConfig(int vocabSize, int hidden, int layers, int heads, int intermediate,
                         int maxPositions, int typeVocab, float layerNormEps) {

    public int headDim() { return hidden / heads; }

    public BertConfig {
        if (hidden <= 0 || heads <= 0 || hidden % heads != 0) {
            throw new IllegalArgumentException("width " + hidden + " does not split into " + heads + " heads");
        }
    }
}
