package dev.weightclass.distill.train;

import ai.djl.ndarray.NDArray;

/**
 * One trainable tensor of a student.
 *
 * @param name  stable name (the checkpoint stores parameters by name)
 * @param value the tensor; the trainer updates it in place and asks autograd for its gradient
 * @param decay true when AdamW's weight decay applies (matrices), false for norms and biases
 */
public record Param(String name, NDArray value, boolean decay) {}
