package dev.weightclass.fit;

import dev.weightclass.tensor.TensorType;

/**
 * A KV cache's size.
 *
 * @param bytes       K and V of every layer
 * @param cells       token slots of a full-attention layer
 * @param slidingCells token slots of a sliding-window layer (0 when there is none)
 * @param fullLayers  layers caching the whole context
 * @param slidingLayers layers caching only the window
 * @param type        element type
 */
public record KvCacheSize(long bytes, long cells, long slidingCells, int fullLayers, int slidingLayers,
                          TensorType type) {
}
