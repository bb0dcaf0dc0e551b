package dev.weightclass.fit;

import java.util.List;

/**
 * A model as fit and pick see it: its variants and attention layout.
 *
 * @param name        display name
 * @param parameters  parameter count
 * @param window      sliding-window attention
 * @param variants    the variants to consider
 * @param assumptions what the variant sizes assumed
 */
public record LoadedModel(String name, long parameters, AttentionWindow window, List<ModelVariant> variants,
                          List<String> assumptions) {

    public LoadedModel {
        variants = List.copyOf(variants);
        assumptions = List.copyOf(assumptions);
    }
}
