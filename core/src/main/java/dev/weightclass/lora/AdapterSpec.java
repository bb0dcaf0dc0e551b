package dev.weightclass.lora;

import dev.weightclass.WeightclassException;

import java.nio.file.Path;

/**
 * An adapter named on the command line, {@code PATH} or {@code PATH:SCALE}: the scale multiplies
 * the adapter's own alpha / r (1 = as trained, 0.5 = half strength, like llama.cpp's --lora-scaled).
 */
public record AdapterSpec(Path path, double scale) {

    public static AdapterSpec parse(String s) {
        int colon = s.lastIndexOf(':');
        if (colon > 0 && colon < s.length() - 1) {
            String tail = s.substring(colon + 1);
            if (tail.matches("[-+]?[0-9]*\\.?[0-9]+([eE][-+]?[0-9]+)?")) {
                double scale = Double.parseDouble(tail);
                if (!Double.isFinite(scale)) throw new WeightclassException("adapter scale " + tail + " is not finite");
                return new AdapterSpec(Path.of(s.substring(0, colon)), scale);
            }
        }
        return new AdapterSpec(Path.of(s), 1.0);
    }
}
