package dev.weightclass.distill;

import ai.djl.ndarray.NDManager;
import dev.weightclass.format.ModelFile;

import java.io.IOException;
import java.io.PrintWriter;

/**
 * How one kind of teacher is distilled (decoders, sentence encoders): builds the student from the
 * teacher, the training batches, the held-out evaluation and the export. Recipes are listed in
 * {@link Recipes}; the command picks the first that accepts the teacher.
 */
public interface Recipe {

    /** "decoder", "encoder": for messages. */
    String kind();

    /** The peak learning rate when {@code --lr} is not given. */
    default double defaultLearningRate() {
        return 2e-3;
    }

    /** True when this recipe distills {@code teacher} (by architecture and format). */
    boolean accepts(ModelFile teacher);

    /**
     * Checks the options against the teacher (bad input: a {@link dev.weightclass.WeightclassException},
     * one line), prints the student's size to {@code out}, and returns the run. Nothing is
     * trained here, but teacher work that the run needs (generated texts, cached logits) may be done.
     */
    Job<?> prepare(ModelFile teacher, DistillOptions options, NDManager manager, PrintWriter out, PrintWriter err)
            throws IOException;
}
