package dev.weightclass.distill.train;

import ai.djl.ndarray.NDArray;

import java.util.Map;

/**
 * The loss of one batch: the scalar the gradient is taken of, and its named terms for the log
 * (e.g. {@code kl} and {@code ce}); the terms are only read, never differentiated.
 */
public record Loss(NDArray total, Map<String, NDArray> parts) {
    public Loss {
        parts = Map.copyOf(parts);
    }
}
