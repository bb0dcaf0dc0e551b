package dev.weightclass.runtime.bert;

import java.util.List;

/**
 * Every weight of a BERT encoder, each still in the mapped model file (norms and biases, a few
 * kilobytes per layer, are copied out).
 *
 * @param type token-type table, or null when the model has none
 * @param kind what the products compute on ("f32", "int8"), for reports
 */
record BertWeights(BertConfig config, EmbeddingTable word, EmbeddingTable position, EmbeddingTable type,
                   LayerNorm embeddingNorm, List<Layer> layers, String kind) {

    /** One post-LayerNorm block: attention, add and norm, feed-forward, add and norm. */
    record Layer(Linear query, Linear key, Linear value, Linear attentionOut, LayerNorm attentionNorm,
                 Linear up, Linear down, LayerNorm outputNorm) {}
}
