package dev.weightclass.fit;

import dev.weightclass.size.Bytes;
import dev.weightclass.size.Catalog;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * "Which model for this device?": every catalog model x variant that fits the device at the
 * context (and reaches the minimum decode speed), ranked by quality score, then size. A variant's
 * expected score is the model's published score lowered by its type's relative loss
 * ({@link Quality#loss}), which is what trades a bigger model at 4 bits against a smaller one
 * at 8 bits. Models without a score come last, by size.
 */
public final class Picker {
    private Picker() {}

    /** Architectures that do not generate text: nothing to pick for a chat or completion app. */
    static final Set<String> ENCODERS = Set.of("bert", "distilbert");

    /**
     * One candidate.
     *
     * @param model         catalog model name
     * @param fit           the variant on the device
     * @param score         the model's published score, or null
     * @param expectedScore score x (1 - quantization loss), NaN without a score
     */
    public record Candidate(String model, FitResult fit, QualityScores.Score score, double expectedScore) {}

    public record Result(Device device, FitCalculator calculator, double minTokensPerSecond,
                         List<Candidate> ranked, int modelsConsidered, int variantsConsidered) {

        public Map<String, Object> toJson(int top) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("device", device.name());
            j.put("runtime", calculator.runtime().label());
            j.put("context_length", calculator.run().contextLength());
            j.put("min_tokens_per_second", minTokensPerSecond);
            j.put("models_considered", modelsConsidered);
            j.put("variants_considered", variantsConsidered);
            List<Map<String, Object>> list = new ArrayList<>();
            for (Candidate c : ranked.subList(0, Math.min(top, ranked.size()))) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("model", c.model());
                m.put("variant", c.fit().variant().type());
                m.put("format", c.fit().variant().format());
                m.put("score", c.score() == null ? null : c.score().value());
                m.put("metric", c.score() == null ? null : c.score().metric());
                m.put("score_source", c.score() == null ? null : c.score().source());
                m.put("expected_score", FitReport.number(c.expectedScore()));
                m.put("file_bytes", c.fit().variant().fileBytes());
                m.put("required_bytes", c.fit().memory().required());
                m.put("headroom_bytes", c.fit().headroom());
                m.put("decode_tokens_per_second", FitReport.number(c.fit().speed().decodeTokensPerSecond()));
                m.put("prefill_tokens_per_second", FitReport.number(c.fit().speed().prefillTokensPerSecond()));
                list.add(m);
            }
            j.put("candidates", list);
            return j;
        }

        public String toText(int top) {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(Locale.ROOT, "%s: %d of %d model variants fit (%s, context %d%s)%n", device.name(),
                    ranked.size(), variantsConsidered, calculator.runtime().label(), calculator.run().contextLength(),
                    minTokensPerSecond > 0 ? ", at least " + Format.rate(minTokensPerSecond) + " tok/s" : ""));
            sb.append("Ranked by expected score = published score x (1 - quantization loss), then by size.\n\n");
            sb.append(String.format(Locale.ROOT, "%4s  %-16s %-8s %6s %8s %10s %10s %9s %9s%n", "rank", "model", "variant",
                    "score", "expected", "download", "memory", "decode/s", "prefill/s"));
            int i = 0;
            for (Candidate c : ranked.subList(0, Math.min(top, ranked.size()))) {
                FitResult f = c.fit();
                sb.append(String.format(Locale.ROOT, "%4d  %-16s %-8s %6s %8s %10s %10s %9s %9s%n", ++i, c.model(),
                        f.variant().type(), c.score() == null ? "-" : String.format(Locale.ROOT, "%.1f", c.score().value()),
                        Double.isNaN(c.expectedScore()) ? "-" : String.format(Locale.ROOT, "%.2f", c.expectedScore()),
                        Bytes.human(f.variant().fileBytes()), Bytes.human(f.memory().required()),
                        Format.rate(f.speed().decodeTokensPerSecond()), Format.rate(f.speed().prefillTokensPerSecond())));
            }
            if (ranked.size() > top) sb.append(String.format(Locale.ROOT, "  ... %d more (--top N)%n", ranked.size() - top));
            // the trade-off: best variant of each scored model
            sb.append("\nBest variant per model (the trade-off between size and bits)\n");
            Map<String, Candidate> best = new LinkedHashMap<>();
            for (Candidate c : ranked) best.putIfAbsent(c.model(), c);
            for (Candidate c : best.values()) {
                if (c.score() == null) continue;
                sb.append(String.format(Locale.ROOT, "  %-16s %-8s expected %.2f (%s %.1f), %s, %s tok/s%n", c.model(),
                        c.fit().variant().type(), c.expectedScore(), c.score().metric(), c.score().value(),
                        Bytes.human(c.fit().variant().fileBytes()), Format.rate(c.fit().speed().decodeTokensPerSecond())));
            }
            if (ranked.isEmpty()) sb.append("  nothing fits: try a shorter --ctx or another --runtime\n");
            sb.append("\nScores: see each model's source in --json; quantization losses: docs/MEMORY.md.\n");
            return sb.toString();
        }
    }

    public static Result pick(Device device, FitCalculator calc, QualityScores scores, double minTokensPerSecond)
            throws IOException {
        List<Candidate> out = new ArrayList<>();
        int models = 0, variants = 0;
        for (Catalog.Entry e : Catalog.all()) {
            LoadedModel m;
            try {
                m = ModelVariants.forRuntime(ModelVariants.load(e.name()), calc.runtime());
            } catch (dev.weightclass.WeightclassException ex) {
                continue;   // no variant this runtime can load
            }
            if (ENCODERS.contains(m.variants().getFirst().hyperparameters().architecture())) continue;
            models++;
            QualityScores.Score score = scores.of(e.name()).orElse(null);
            int trained = m.variants().getFirst().hyperparameters().contextLength();
            FitCalculator c = trained > 0 && trained < calc.run().contextLength()
                    ? new FitCalculator(calc.runtime(), calc.run().withContext(trained), Double.NaN) : calc;
            for (ModelVariant v : m.variants()) {
                variants++;
                FitResult r = c.fit(v, device, m.window());
                if (!r.fits()) continue;
                double tps = r.speed().decodeTokensPerSecond();
                if (minTokensPerSecond > 0 && !(tps >= minTokensPerSecond)) continue;
                double expected = score == null ? Double.NaN : score.value() * (1 - Quality.loss(v.type()));
                out.add(new Candidate(e.name(), r, score, expected));
            }
        }
        out.sort(Comparator.comparing((Candidate c) -> Double.isNaN(c.expectedScore()))
                .thenComparing(Comparator.comparingDouble((Candidate c) ->
                        Double.isNaN(c.expectedScore()) ? 0 : c.expectedScore()).reversed())
                .thenComparingLong(c -> c.fit().variant().fileBytes()));
        return new Result(device, calc, minTokensPerSecond, out, models, variants);
    }
}
