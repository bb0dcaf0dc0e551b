package dev.weightclass.quant;

/**
 * How each llama-quantize file in ../shared/golden was made (its README, section 2): source,
 * preset, --pure, and the --tensor-type ffn_down=f16 override of the aidreams legacy files.
 */
public record GoldenRecipe(String source, QuantPlan.Model model, QuantPreset preset, QuantOptions options) {

    public static final QuantPlan.Model SYNTH = new QuantPlan.Model("llama", 2, 4, 2, 0);
    public static final QuantPlan.Model AIDREAMS = new QuantPlan.Model("llama", 4, 4, 4, 0);

    /** The recipe of a golden file name, or null for a source file. */
    public static GoldenRecipe of(String file) {
        String[] parts = file.replace(".gguf", "").split("\\.");
        if (parts.length < 2) return null;
        boolean pure = file.contains(".pure.");
        QuantPreset preset = QuantPreset.parse(parts[1]);
        QuantOptions o = QuantOptions.DEFAULT.withPure(pure).withImatrix(file.contains(".imatrix."));
        if (parts[0].equals("aidreams260K")) {
            if (preset != QuantPreset.Q4_K_M) o = o.withOverride(QuantOptions.Override.parse("ffn_down=f16"));
            return new GoldenRecipe("aidreams260K-f32.gguf", AIDREAMS, preset, o);
        }
        return new GoldenRecipe(parts[0].equals("synth-a-f16") ? "synth-a-f16.gguf" : "synth-a-f32.gguf", SYNTH, preset, o);
    }
}
