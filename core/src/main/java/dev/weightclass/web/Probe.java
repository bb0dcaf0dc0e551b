package dev.weightclass.web;

import dev.weightclass.fit.FitReport;
import dev.weightclass.fit.InferenceRuntime;
import dev.weightclass.fit.LoadedModel;
import dev.weightclass.fit.ModelVariants;
import dev.weightclass.report.ModelReport;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The "This device" verdict: the probed browser as a device, fitted by the same FitCalculator as the CLI. */
final class Probe {
    private Probe() {}

    static Map<String, Object> verdict(WebApp web, String modelId, BrowserProbe probe, InferenceRuntime rt, Integer ctx) {
        if (modelId == null) throw new ModelFolder.Refused(400, "which model? give 'model'");
        ModelLibrary.Ref ref = web.library().resolve(modelId);
        // not cached: the device differs with every probe
        LoadedModel m = ModelVariants.forRuntime(web.library().loaded(ref), rt);
        FitReport fit = ModelReport.fit(m, rt, List.of(probe.device()), ctx, probe.network());
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("model", ref.id());
        j.put("runtime", rt.label());
        j.put("probe", probe.toJson());
        j.put("device", probe.deviceJson());
        j.put("assumptions", probe.assumptions());
        j.put("network", probe.network());
        j.put("fit", fit.toJson());
        j.put("cli", "weightclass fit " + quote(ref.input()) + " --devices this-browser.json --device \""
                + BrowserProbe.DEVICE_NAME + "\" --runtime " + rt.label()
                + (ctx != null ? " --ctx " + ctx : "") + " --network " + probe.network() + " --json");
        j.put("cli_devices_file", Map.of("devices", List.of(probe.deviceJson())));
        return j;
    }

    private static String quote(String s) {
        return s.matches("[A-Za-z0-9._/+-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }
}
