package dev.weightclass.prune;

import dev.weightclass.WeightclassException;

import java.util.Locale;

/** How a weight's importance is scored; the lowest-scored weights of each row are zeroed. */
public enum PruneMethod {
    /** |W_ij|: no data needed. */
    MAGNITUDE,
    /**
     * Wanda (Sun et al. 2023): |W_ij| x ||X_j||_2, the weight times the L2 norm of input feature j
     * over calibration tokens, so a small weight on a loud input is kept.
     */
    WANDA;

    public String id() { return name().toLowerCase(Locale.ROOT); }

    public static PruneMethod parse(String s) {
        for (PruneMethod m : values()) if (m.id().equalsIgnoreCase(s.trim())) return m;
        throw new WeightclassException("--method '" + s + "': expected magnitude or wanda");
    }
}
