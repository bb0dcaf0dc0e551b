package dev.weightclass.cli;

import dev.weightclass.WeightclassException;
import dev.weightclass.fit.Device;
import dev.weightclass.fit.DeviceCatalog;
import dev.weightclass.fit.FitCalculator;
import dev.weightclass.fit.Picker;
import dev.weightclass.fit.QualityScores;
import dev.weightclass.fit.RunConfig;
import dev.weightclass.fit.InferenceRuntime;
import dev.weightclass.tensor.TensorType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "pick",
        description = {"Which model for this device? Every catalog model x variant that fits the device,",
                "ranked by published quality score (lowered by the variant's quantization loss), then size:",
                "a bigger model at 4 bits against a smaller one at 8 bits, side by side."},
        footer = {"", "Examples:",
                "  weightclass pick --device \"Pixel 8\" --ctx 2048 --min-tokens-per-second 10",
                "  weightclass pick --device M2 --runtime webgpu --scores my-evals.json --json"})
final class PickCommand implements Callable<Integer> {

    @Option(names = "--device", paramLabel = "NAME", description = "A catalog device (or one from --devices).")
    String deviceName;

    @Option(names = "--devices", paramLabel = "FILE", description = "Add devices from a JSON file.")
    Path devicesFile;

    @Option(names = "--ram", paramLabel = "GiB", description = "Instead of --device: RAM available to the model, GiB.")
    Double ramGib;

    @Option(names = "--vram", paramLabel = "GiB", description = "Custom device: dedicated GPU memory, GiB.")
    Double vramGib;

    @Option(names = "--bandwidth", paramLabel = "GB/s", description = "Custom device: memory bandwidth, GB/s (default 50).")
    Double bandwidth;

    @Option(names = "--ctx", paramLabel = "N", defaultValue = "2048", description = "Context length (capped at each model's trained context). Default: ${DEFAULT-VALUE}.")
    int ctx;

    @Option(names = "--runtime", paramLabel = "NAME", defaultValue = "llama.cpp", description = "llama.cpp, webgpu or onnxruntime. Default: ${DEFAULT-VALUE}.")
    String runtime;

    @Option(names = "--kv-type", paramLabel = "TYPE", defaultValue = "F16", description = "llama.cpp KV cache type. Default: ${DEFAULT-VALUE}.")
    String kvType;

    @Option(names = "--min-tokens-per-second", paramLabel = "T", defaultValue = "0", description = "Only variants decoding at least this fast.")
    double minTps;

    @Option(names = "--scores", paramLabel = "FILE", description = "Your own scores: {\"scores\": [{\"model\": \"qwen2.5-1.5b\", \"score\": 61.2, \"metric\": ..., \"source\": ...}]}.")
    Path scoresFile;

    @Option(names = "--top", paramLabel = "N", defaultValue = "25", description = "Show the first N candidates. Default: ${DEFAULT-VALUE}.")
    int top;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (deviceName == null && ramGib == null) throw new WeightclassException("pick needs --device NAME (or --ram GiB)");
        if (minTps < 0) throw new WeightclassException("--min-tokens-per-second must be zero or more");
        if (top <= 0) throw new WeightclassException("--top must be positive");
        DeviceCatalog catalog = DeviceCatalog.builtIn();
        if (devicesFile != null) catalog = catalog.with(devicesFile);
        List<Device> devices = FitCommand.devices(catalog, deviceName == null ? List.of() : List.of(deviceName),
                false, ramGib, vramGib, bandwidth);
        Device device = devices.getFirst();
        QualityScores scores = QualityScores.builtIn();
        if (scoresFile != null) scores = scores.with(scoresFile);
        TensorType kv = TensorType.fromName(kvType)
                .orElseThrow(() -> new WeightclassException("unknown KV cache type '" + kvType + "'"));
        FitCalculator calc = new FitCalculator(InferenceRuntime.parse(runtime), RunConfig.defaults(ctx).withKvType(kv), Double.NaN);
        Picker.Result result = Picker.pick(device, calc, scores, minTps);
        PrintWriter out = spec.commandLine().getOut();
        out.print(json ? Json.pretty(result.toJson(top)) : result.toText(top));
        out.flush();
        return 0;
    }
}
