package dev.weightclass.runtime;

import java.util.Arrays;
import java.util.Random;

/**
 * Picks the next token from logits: greedy at temperature 0, otherwise softmax(logits / T) cut to
 * the smallest set of tokens whose probability reaches {@code topP} (nucleus sampling).
 */
public final class Sampler {
    private final float temperature;
    private final float topP;
    private final Random random;

    public Sampler(float temperature, float topP, long seed) {
        if (temperature < 0 || Float.isNaN(temperature)) throw new IllegalArgumentException("temperature must be >= 0");
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be in (0, 1]");
        this.temperature = temperature;
        this.topP = topP;
        this.random = new Random(seed);
    }

    public static Sampler greedy() {
        return new Sampler(0, 1, 0);
    }

    public int sample(float[] logits) {
        if (temperature == 0) return argmax(logits);
        int n = logits.length;
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) max = Math.max(max, l);
        double[] p = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) sum += p[i] = Math.exp((logits[i] - max) / temperature);
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        int kept = n;
        if (topP < 1) {
            Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
            double cum = 0;
            for (int i = 0; i < n; i++) {
                cum += p[order[i]] / sum;
                if (cum >= topP) {
                    kept = i + 1;
                    break;
                }
            }
        }
        double total = 0;
        for (int i = 0; i < kept; i++) total += p[order[i]];
        double r = random.nextDouble() * total;
        for (int i = 0; i < kept; i++) {
            r -= p[order[i]];
            if (r <= 0) return order[i];
        }
        return order[kept - 1];
    }

    /** Index of the largest value; the first one on ties. */
    public static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
