package dev.weightclass.cli;

import dev.weightclass.WeightclassException;
import dev.weightclass.fit.Device;
import dev.weightclass.fit.DeviceCatalog;
import dev.weightclass.fit.FitCalculator;
import dev.weightclass.fit.FitReport;
import dev.weightclass.fit.LoadedModel;
import dev.weightclass.fit.MemoryChart;
import dev.weightclass.fit.ModelVariants;
import dev.weightclass.fit.RunConfig;
import dev.weightclass.fit.InferenceRuntime;
import dev.weightclass.size.Bytes;
import dev.weightclass.tensor.TensorType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "fit",
        description = {"Will it run on this device, and how fast? For every variant of a model and every",
                "device: fits or not, headroom, the limit that binds (RAM, GPU memory, a tensor above the",
                "WebGPU binding size, browser storage), decode and prefill tokens/s, download time, and the",
                "best variant per device with the largest context that still fits.",
                "Memory formulas: docs/MEMORY.md. Reads headers and configs only."},
        footer = {"", "Examples:",
                "  weightclass fit model.gguf --device \"Pixel 8\" --device \"MacBook Air M2\"",
                "  weightclass fit Llama-3.2-1B --all-devices --runtime webgpu --ctx 4096 --chart fit.png",
                "  weightclass fit config.json --ram 6 --bandwidth 50 --json"})
final class FitCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "MODEL", arity = "0..1",
            description = "A model file (.gguf, .safetensors, .onnx...), a config.json, or a catalog model name.")
    String model;

    @Option(names = "--device", paramLabel = "NAME", description = "A catalog device (repeatable; default: all).")
    List<String> deviceNames = new ArrayList<>();

    @Option(names = "--all-devices", description = "Every catalog device (the default when no --device is given).")
    boolean allDevices;

    @Option(names = "--devices", paramLabel = "FILE", description = "Add or replace devices from a JSON file (same shape as the catalog).")
    Path devicesFile;

    @Option(names = "--list-devices", description = "List the catalog devices and exit.")
    boolean listDevices;

    @Option(names = "--ram", paramLabel = "GiB", description = "A custom device: RAM available to the model, GiB.")
    Double ramGib;

    @Option(names = "--vram", paramLabel = "GiB", description = "Custom device: dedicated GPU memory available, GiB.")
    Double vramGib;

    @Option(names = "--bandwidth", paramLabel = "GB/s", description = "Custom device: memory bandwidth, GB/s (default 50).")
    Double bandwidth;

    @Option(names = "--ctx", paramLabel = "N", description = "Context length (default: 4096 or the model's trained context if smaller).")
    Integer ctx;

    @Option(names = "--runtime", paramLabel = "NAME", defaultValue = "llama.cpp",
            description = "llama.cpp (CPU), webgpu (WebLLM-style browser runtime) or onnxruntime (CPU). Default: ${DEFAULT-VALUE}.")
    String runtime;

    @Option(names = "--kv-type", paramLabel = "TYPE", defaultValue = "F16", description = "llama.cpp KV cache type: F16, Q8_0, Q4_0... Default: ${DEFAULT-VALUE}.")
    String kvType;

    @Option(names = "--no-mmap", description = "llama.cpp reads the file instead of mapping it.")
    boolean noMmap;

    @Option(names = "--variant", paramLabel = "TYPE", split = ",", description = "Only these variants (e.g. Q4_K_M,Q8_0).")
    List<String> variantTypes = new ArrayList<>();

    @Option(names = "--network", paramLabel = "SPEED", defaultValue = "50Mbps", description = "Download speed for the download time. Default: ${DEFAULT-VALUE}.")
    String network;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Option(names = "--chart", paramLabel = "FILE", description = "Write stacked bars of memory parts per device (.png or .svg).")
    Path chart;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        DeviceCatalog catalog = DeviceCatalog.builtIn();
        if (devicesFile != null) catalog = catalog.with(devicesFile);
        if (listDevices) {
            out.print(listing(catalog));
            out.flush();
            return 0;
        }
        if (model == null) throw new WeightclassException("missing MODEL (a file, a config.json or a catalog name)");
        List<Device> devices = devices(catalog, deviceNames, allDevices, ramGib, vramGib, bandwidth);
        InferenceRuntime rt = InferenceRuntime.parse(runtime);
        LoadedModel m = ModelVariants.only(ModelVariants.forRuntime(ModelVariants.load(model), rt), variantTypes);
        int trained = m.variants().getFirst().hyperparameters().contextLength();
        int context = ctx != null ? ctx : (trained > 0 ? Math.min(4096, trained) : 4096);
        TensorType kv = TensorType.fromName(kvType)
                .orElseThrow(() -> new WeightclassException("unknown KV cache type '" + kvType + "'"));
        RunConfig run = RunConfig.defaults(context).withKvType(kv).withMmap(!noMmap);
        FitCalculator calc = new FitCalculator(rt, run, ModelVariants.bitsPerSecond(network));
        FitReport report = FitReport.compute(m.name(), m.parameters(), m.variants(), devices, calc, m.window(), m.assumptions());
        if (chart != null) MemoryChart.write(report, chart);
        out.print(json ? Json.pretty(report.toJson()) : report.toText());
        out.flush();
        return 0;
    }

    /** The devices named on the command line, a custom one from --ram, or the whole catalog. */
    static List<Device> devices(DeviceCatalog catalog, List<String> names, boolean all, Double ram, Double vram,
                                Double bandwidth) {
        List<Device> out = new ArrayList<>();
        for (String n : names) out.add(catalog.find(n));
        if (ram != null || vram != null || bandwidth != null) {
            if (ram == null || !(ram > 0)) throw new WeightclassException("--ram GiB (positive) is needed for a custom device");
            if (vram != null && !(vram >= 0)) throw new WeightclassException("--vram must be zero or more");
            double bw = bandwidth == null ? 50 : bandwidth;
            if (!(bw > 0)) throw new WeightclassException("--bandwidth must be positive (GB/s)");
            out.add(Device.custom((long) (ram * (1L << 30)), vram == null ? 0 : (long) (vram * (1L << 30)), bw));
        }
        if (all || out.isEmpty()) {
            for (Device d : catalog.devices()) if (!out.contains(d)) out.add(d);
        }
        return out;
    }

    static String listing(DeviceCatalog catalog) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%-46s %-15s %8s %9s %9s  %s%n", "device", "category", "RAM", "usable", "GB/s", "WebGPU binding"));
        for (Device d : catalog.devices()) {
            sb.append(String.format("%-46s %-15s %8s %9s %9.1f  %s%n", d.name(), d.category(), Bytes.human(d.ramBytes()),
                    Bytes.human(d.nativeBudget()), d.memoryBandwidth(),
                    d.webgpu() == null ? "none" : Bytes.human(d.webgpu().maxStorageBufferBindingSize())));
        }
        return sb.toString();
    }
}
