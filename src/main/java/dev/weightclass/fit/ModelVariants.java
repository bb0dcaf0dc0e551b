package dev.weightclass.fit;

import dev.weightclass.WeightclassException;
import dev.weightclass.format.ModelFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Turns what the user named (a model file, a config.json, a catalog name) into variants. */
public final class ModelVariants {
    private ModelVariants() {}

    public static LoadedModel load(String model) throws IOException {
        Path p = Path.of(model);
        if (!Files.exists(p)) throw new java.nio.file.NoSuchFileException(model);
        try (ModelFile m = ModelFile.open(p)) {
            String name = String.valueOf(p.getFileName());
            ModelVariant own = ModelVariant.of(m, name);
            List<ModelVariant> variants = new ArrayList<>();
            variants.add(own);
            return new LoadedModel(name, own.parameters(),
                    AttentionWindow.forArchitecture(m.hyperparameters().architecture(), m.metadata()),
                    variants, List.of("the file as it is (" + own.type() + ")"));
        }
    }

    /** Keeps the variants whose type is in {@code types} (case-insensitive); all when empty. */
    public static LoadedModel only(LoadedModel m, List<String> types) {
        if (types == null || types.isEmpty()) return m;
        List<ModelVariant> kept = new ArrayList<>();
        for (ModelVariant v : m.variants()) {
            for (String t : types) if (v.type().equalsIgnoreCase(t.trim())) kept.add(v);
        }
        if (kept.isEmpty()) {
            throw new WeightclassException("no variant of type " + String.join(", ", types) + " (this model has "
                    + String.join(", ", m.variants().stream().map(ModelVariant::type).toList()) + ")");
        }
        return new LoadedModel(m.name(), m.parameters(), m.window(), kept, m.assumptions());
    }

    /** Network speed like "50Mbps", "1Gbps", "10MB/s" or a plain number of Mbit/s, in bits per second. */
    public static double bitsPerSecond(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT).replace(" ", "");
        var m = java.util.regex.Pattern.compile("([0-9]*\\.?[0-9]+)([kmg]?)(bps|bit/s|b/s|)").matcher(t);
        if (!m.matches()) {
            throw new WeightclassException("bad network speed '" + s + "': use e.g. 50Mbps, 1Gbps, 10MB/s");
        }
        double v = Double.parseDouble(m.group(1));
        String unit = m.group(3);
        double scale = switch (m.group(2)) {
            case "k" -> 1e3;
            case "g" -> 1e9;
            case "m" -> 1e6;
            default -> unit.isEmpty() ? 1e6 : 1;
        };
        if (unit.equals("b/s") && s.contains("B/s")) scale *= 8;   // bytes per second
        if (v <= 0) throw new WeightclassException("network speed must be positive: " + s);
        return v * scale;
    }
}
