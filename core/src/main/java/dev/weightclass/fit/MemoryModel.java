package dev.weightclass.fit;

/** A runtime's memory model. Implementations document their formulas in docs/MEMORY.md. */
public interface MemoryModel {

    MemoryEstimate estimate(ModelVariant variant, AttentionWindow window, RunConfig run);

    default MemoryEstimate estimate(ModelVariant variant, RunConfig run) {
        return estimate(variant, AttentionWindow.forArchitecture(variant.hyperparameters().architecture(), null), run);
    }
}
