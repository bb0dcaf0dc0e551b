package dev.weightclass.cli;

import dev.weightclass.WeightclassException;
import dev.weightclass.fit.DeviceCatalog;
import dev.weightclass.fit.FitReport;
import dev.weightclass.fit.InferenceRuntime;
import dev.weightclass.fit.MemoryChart;
import dev.weightclass.format.AtomicOutput;
import dev.weightclass.report.Charts;
import dev.weightclass.report.EvalResults;
import dev.weightclass.report.HtmlReport;
import dev.weightclass.report.ModelReport;
import dev.weightclass.report.QualityChart;
import dev.weightclass.size.SizeChart;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "report",
        description = {"Writes one HTML report to look at and share. For each model: its inspect summary and size class,",
                "size per variant (bar chart), the fit matrix and memory parts per device (stacked bars)",
                "for each runtime, and with --eval the quality-versus-size chart with the Pareto front.",
                "The file is self-contained: charts are inline SVG, nothing is fetched when it is opened.",
                "",
                "--eval FILE: {\"variants\": [ ...what 'eval --json' prints per variant, plus \"bytes\" and",
                "optionally \"name\"... ]}; bytes default to the size of the variant's \"model\" file."},
        footer = {"", "Examples:",
                "  weightclass report model-q8_0.gguf model-q4_0.gguf -o report.html",
                "  weightclass report qwen2.5-0.5b -o qwen.html --device \"Pixel 8\" --runtime webgpu --png charts/",
                "  weightclass report m.gguf -o r.html --eval results.json --json > report.json"})
final class ReportCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "MODEL", description = "Model files, config.json files or catalog names.")
    List<String> models;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "The HTML file to write.")
    Path output;

    @Option(names = "--eval", paramLabel = "FILE", description = "Quality results per variant (see above) for the quality-versus-size chart.")
    Path eval;

    @Option(names = "--metric", paramLabel = "NAME", description = "Quality measure from --eval: perplexity (default), mean_kl or delta_perplexity.")
    String metric;

    @Option(names = "--json", description = "Also print the report's data as one JSON object (the CLI's inspect/size/fit --json objects).")
    boolean json;

    @Option(names = "--png", paramLabel = "DIR", description = "Also write every chart as a PNG file into DIR.")
    Path pngDir;

    @Option(names = "--device", paramLabel = "NAME", description = "A catalog device (repeatable; default: all).")
    List<String> deviceNames = new ArrayList<>();

    @Option(names = "--devices", paramLabel = "FILE", description = "Add devices from a JSON file (as fit --devices).")
    Path devicesFile;

    @Option(names = "--runtime", paramLabel = "LIST", split = ",", defaultValue = "llama.cpp,webgpu",
            description = "Runtimes to fit for (default: ${DEFAULT-VALUE}; also onnxruntime).")
    List<String> runtimes;

    @Option(names = "--ctx", paramLabel = "N", description = "Context length (default: 4096 or the trained context if smaller).")
    Integer ctx;

    @Option(names = "--network", paramLabel = "SPEED", defaultValue = "50Mbps", description = "Download speed. Default: ${DEFAULT-VALUE}.")
    String network;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        DeviceCatalog catalog = DeviceCatalog.builtIn();
        if (devicesFile != null) catalog = catalog.with(devicesFile);
        var devices = FitCommand.devices(catalog, deviceNames, false, null, null, null);
        List<InferenceRuntime> rts = runtimes.stream().map(InferenceRuntime::parse).distinct().toList();
        ModelReport.Settings settings = new ModelReport.Settings(rts, devices, ctx, network);
        List<ModelReport> reports = new ArrayList<>();
        for (String m : models) reports.add(ModelReport.compute(m, settings));
        EvalResults results = eval == null ? null : EvalResults.read(eval, metric);
        if (eval == null && metric != null) throw new WeightclassException("--metric needs --eval FILE");

        Map<String, Object> data = toJson(reports, results);
        String jsonText = Json.pretty(data);
        String title = "weightclass report: " + String.join(", ", reports.stream().map(r -> r.size().name()).toList());
        byte[] html = HtmlReport.page(title, reports, results, jsonText).getBytes(StandardCharsets.UTF_8);
        AtomicOutput.write(output, html);
        if (pngDir != null) writePngs(reports, results, pngDir);
        PrintWriter out = spec.commandLine().getOut();
        if (json) out.print(jsonText);
        else out.println("wrote " + output + " (" + html.length + " bytes)" + (pngDir != null ? " and charts in " + pngDir : ""));
        out.flush();
        return 0;
    }

    static Map<String, Object> toJson(List<ModelReport> reports, EvalResults results) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("models", reports.stream().map(ModelReport::toJson).toList());
        j.put("eval", results == null ? null : results.toJson());
        return j;
    }

    static void writePngs(List<ModelReport> reports, EvalResults results, Path dir) throws java.io.IOException {
        Files.createDirectories(dir);
        for (ModelReport r : reports) {
            String base = safe(r.size().name());
            Charts.png(SizeChart.chart(r.size()), dir.resolve("size-" + base + ".png"));
            for (FitReport f : r.fits()) {
                Charts.png(MemoryChart.chart(f), dir.resolve("memory-" + base + "-" + safe(f.calculator().runtime().label()) + ".png"));
            }
        }
        if (results != null) Charts.png(QualityChart.chart(results), dir.resolve("quality.png"));
    }

    /** A file-name-safe form of a model name. */
    static String safe(String name) {
        String s = name.replaceAll("[^A-Za-z0-9._-]+", "_");
        return s.isEmpty() ? "model" : s;
    }
}
