package dev.weightclass.distill;

import java.util.SplittableRandom;

/**
 * {@code --init scratch}: the values a narrowed tensor starts from instead of the teacher's slice.
 * The scheme of BERT and LLaMA in Hugging Face transformers ({@code initializer_range} 0.02):
 * matrices and embedding tables ~ N(0, 0.02²), norm weights 1, biases 0. Each tensor draws from
 * its own generator, seeded by {@code --seed} and the tensor's name, so its values do not depend on
 * which other tensors were drawn first.
 */
public final class ScratchInit {
    /** Standard deviation of the normal initialisation of matrices and tables. */
    public static final double STD = 0.02;

    private final long seed;

    public ScratchInit(long seed) {
        this.seed = seed;
    }

    /** {@code n} values of N(0, STD²) for the tensor {@code name}. */
    public float[] normal(String name, int n) {
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ name.hashCode());
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (r.nextGaussian() * STD);
        return v;
    }

    /** A norm's weight (1) or a bias (0). */
    public static float[] constant(int n, float value) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, value);
        return v;
    }
}
