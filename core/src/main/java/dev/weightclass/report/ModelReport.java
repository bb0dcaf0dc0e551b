package dev.weightclass.report;

import dev.weightclass.WeightclassException;
import dev.weightclass.cli.SizeCommand;
import dev.weightclass.compress.Bandwidth;
import dev.weightclass.fit.Device;
import dev.weightclass.fit.FitCalculator;
import dev.weightclass.fit.FitReport;
import dev.weightclass.fit.InferenceRuntime;
import dev.weightclass.fit.LoadedModel;
import dev.weightclass.fit.ModelVariants;
import dev.weightclass.fit.RunConfig;
import dev.weightclass.format.ModelFile;
import dev.weightclass.size.ModelInspection;
import dev.weightclass.size.SizeEstimator;
import dev.weightclass.size.SizeReport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything the report and the web app show for one model, computed by the same classes as the
 * CLI: {@code inspect} (model files only), {@code size} and one {@code fit} per runtime. Its JSON
 * nests the CLI's {@code --json} objects unchanged.
 *
 * @param model      what was named (file, config.json or catalog name)
 * @param inspection the inspect report, or null when there is no model file
 * @param size       the size report
 * @param bandwidth  download speed of the size table
 * @param fits       one fit report per runtime that can load some variant
 */
public record ModelReport(String model, ModelInspection inspection, SizeReport size, Bandwidth bandwidth,
                          List<FitReport> fits) {

    /**
     * How the fit part is run.
     *
     * @param runtimes runtimes to fit (those with no loadable variant are left out)
     * @param devices  devices to fit on
     * @param context  context length, or null for 4096 capped at the trained context (as {@code fit})
     * @param network  download speed, as {@code fit --network}
     */
    public record Settings(List<InferenceRuntime> runtimes, List<Device> devices, Integer context, String network) {
        public Settings {
            runtimes = List.copyOf(runtimes);
            devices = List.copyOf(devices);
            if (devices.isEmpty()) throw new WeightclassException("no device to fit on");
        }
    }

    public static ModelReport compute(String model, Settings s) throws IOException {
        ModelInspection inspection = null;
        Path p = Path.of(model);
        if (Files.exists(p) && !model.endsWith(".json")) {
            try (ModelFile m = ModelFile.open(p)) {
                inspection = ModelInspection.of(m);
            }
        }
        SizeReport size = SizeEstimator.estimate(model);
        LoadedModel loaded = ModelVariants.load(model);
        return new ModelReport(model, inspection, size, Bandwidth.parse(s.network()), fits(loaded, s));
    }

    /** One fit report per runtime, exactly as {@code fit MODEL --runtime R --ctx N --json} computes it. */
    public static List<FitReport> fits(LoadedModel loaded, Settings s) {
        List<FitReport> out = new ArrayList<>();
        for (InferenceRuntime rt : s.runtimes()) {
            LoadedModel m;
            try {
                m = ModelVariants.forRuntime(loaded, rt);
            } catch (WeightclassException e) {
                continue;   // no variant this runtime loads
            }
            out.add(fit(m, rt, s.devices(), s.context(), s.network()));
        }
        return out;
    }

    public static FitReport fit(LoadedModel m, InferenceRuntime rt, List<Device> devices, Integer ctx, String network) {
        int trained = m.variants().getFirst().hyperparameters().contextLength();
        int context = ctx != null ? ctx : (trained > 0 ? Math.min(4096, trained) : 4096);
        FitCalculator calc = new FitCalculator(rt, RunConfig.defaults(context), ModelVariants.bitsPerSecond(network));
        return FitReport.compute(m.name(), m.parameters(), m.variants(), devices, calc, m.window(), m.assumptions());
    }

    /** {"model", "inspect" (inspect --json or null), "size" (size --json), "fit" [fit --json per runtime]}. */
    public Map<String, Object> toJson() {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("model", model);
        j.put("inspect", inspection == null ? null : inspection.toJson(false));
        j.put("size", SizeCommand.toJson(size, bandwidth, List.of()));
        List<Map<String, Object>> fs = new ArrayList<>();
        for (FitReport f : fits) fs.add(f.toJson());
        j.put("fit", fs);
        return j;
    }
}
