package dev.weightclass.distill.train;

import ai.djl.ndarray.NDManager;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A model being trained: what the {@link Trainer} needs and nothing about what the model is
 * (decoder, encoder...). {@code B} is one batch of training data as the student wants it.
 */
public interface Student<B> {

    /** Trainable tensors in a fixed order; every one must be created with gradients enabled. */
    List<Param> parameters();

    /**
     * The loss of one batch, computed from the parameters with NDArray operations (the trainer
     * records them for autograd). Temporary arrays belong in {@code manager}, which is closed after
     * the step.
     */
    Loss loss(B batch, NDManager manager);

    /** Tokens (or examples) in a batch: what "tokens/s" counts. */
    long size(B batch);

    /** Writes the trained student as a model file other commands read (atomically). */
    void export(Path out) throws IOException;
}
