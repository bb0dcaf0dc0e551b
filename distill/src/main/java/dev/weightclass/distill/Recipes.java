package dev.weightclass.distill;

import dev.weightclass.WeightclassException;
import dev.weightclass.format.ModelFile;

import java.util.List;

/** The recipes {@code distill} knows, in the order they are asked. */
public final class Recipes {
    private Recipes() {}

    public static final List<Recipe> ALL = List.of(new dev.weightclass.distill.decoder.DecoderRecipe(),
            new dev.weightclass.distill.encoder.EncoderRecipe());

    public static Recipe forTeacher(ModelFile teacher) {
        for (Recipe r : ALL) if (r.accepts(teacher)) return r;
        throw new WeightclassException(teacher.path() + ": distill does not handle this model ("
                + teacher.format().id() + ", " + teacher.hyperparameters().architecture()
                + "); it distills llama-family decoders (GGUF, safetensors + config.json, llama2.c) and BERT-style sentence encoders");
    }
}
