package dev.weightclass.cli;

import dev.weightclass.WeightclassException;
import dev.weightclass.format.AtomicOutput;
import dev.weightclass.report.Html;
import dev.weightclass.web.VariantManifest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "export-web",
        description = {"Lets a web page choose the variant the user's device can run. Writes variants.json (each",
                "variant's URL pattern, bytes, memory per runtime, required WebGPU limits and features) and",
                "pick-variant.js, a dependency-free ES module:",
                "  const {variant, url, reason} = await pickVariant(manifest, {baseUrl: '/models'});",
                "A model file lists itself (add --presets for every predicted quantization); a config.json or",
                "catalog name lists its predicted variants."},
        footer = {"", "Examples:",
                "  weightclass export-web m-q8_0.gguf m-q4_0.gguf -o web/",
                "  weightclass export-web qwen2.5-0.5b --ctx 2048 -o web/"})
final class ExportWebCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "MODEL", description = "Model files, config.json files or catalog names.")
    List<String> models;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR", description = "Folder to write variants.json and pick-variant.js into.")
    Path dir;

    @Option(names = "--ctx", paramLabel = "N", defaultValue = "2048", description = "Context length the memory figures are for. Default: ${DEFAULT-VALUE}.")
    int ctx;

    @Option(names = "--presets", description = "For model files, also list every predicted llama-quantize preset and ONNX target.")
    boolean presets;

    @Option(names = "--variant", paramLabel = "TYPE", split = ",", description = "Only these variant types (e.g. Q4_K_M,Q8_0).")
    List<String> only = new ArrayList<>();

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (ctx <= 0) throw new WeightclassException("--ctx must be positive");
        List<VariantManifest.Source> sources = new ArrayList<>();
        for (String m : models) {
            VariantManifest.Source s = VariantManifest.source(m, presets);
            if (!only.isEmpty()) {
                var kept = s.variants().stream().filter(v -> only.stream().anyMatch(t -> t.trim().equalsIgnoreCase(v.type()))).toList();
                s = new VariantManifest.Source(s.model(), kept, s.fileName());
            }
            sources.add(s);
        }
        Map<String, Object> manifest = VariantManifest.build(sources, ctx);
        if (((List<?>) manifest.get("variants")).isEmpty()) throw new WeightclassException("no variant left to export");
        Files.createDirectories(dir);
        write(dir.resolve("variants.json"), Json.pretty(manifest));
        write(dir.resolve("pick-variant.js"), Html.resource("pick-variant.js"));
        PrintWriter out = spec.commandLine().getOut();
        out.println("wrote " + dir.resolve("variants.json") + " (" + ((List<?>) manifest.get("variants")).size()
                + " variants) and " + dir.resolve("pick-variant.js"));
        out.flush();
        return 0;
    }

    static void write(Path file, String text) throws java.io.IOException {
        AtomicOutput.write(file, text.getBytes(StandardCharsets.UTF_8));
    }
}
