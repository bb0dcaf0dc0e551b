package dev.weightclass.distill.train;

import java.util.Map;

/** Measures the student on held-out data every few steps (e.g. {@code heldout_nll}); no gradients. */
@FunctionalInterface
public interface Evaluator {
    Map<String, Double> evaluate();
}
