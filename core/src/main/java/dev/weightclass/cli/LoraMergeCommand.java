package dev.weightclass.cli;

import dev.weightclass.WeightclassException;
import dev.weightclass.format.ModelFile;
import dev.weightclass.lora.LoraAdapter;
import dev.weightclass.lora.LoraMerge;
import dev.weightclass.runtime.Kernels;
import dev.weightclass.size.Bytes;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorType;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

@Command(name = "merge", mixinStandardHelpOptions = true,
        description = {"Bake an adapter into its base: W' = W + scale * B * A for every tensor the adapter targets",
                "(transposed for GPT-2's Conv1D weights, fan_in_fan_out). A GGUF base gives a GGUF file, a",
                "safetensors base a safetensors file (config.json and tokenizer files are copied beside it).",
                "Every other tensor is copied byte for byte. A quantized base works too: each touched tensor",
                "is dequantized, merged in float and requantized to its own type; the report gives the error",
                "that requantizing adds, as RMS and as a fraction of the update itself (near 100%% means the",
                "quantization grid swallows the adapter).",
                "",
                "PEFT module names are mapped to the base's names: Hugging Face llama (model.layers.N...),",
                "GGUF (blk.N.attn_q.weight; llama q/k rows permuted as the converter does) and GPT-2",
                "(transformer.h.N.attn.c_attn). A tensor whose shape does not fit is named with both shapes.",
                "",
                "Example: weightclass lora merge model-q4_0.gguf my-adapter/ -o merged-q4_0.gguf --scale 0.8"})
final class LoraMergeCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "BASE", description = "The base model (GGUF, or safetensors + config.json).")
    Path base;

    @Parameters(index = "1", paramLabel = "ADAPTER", description = "A PEFT folder or a GGUF LoRA file.")
    Path adapterPath;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT", description = "The merged model to write (atomically).")
    Path output;

    @Option(names = "--scale", defaultValue = "1", paramLabel = "S",
            description = "Multiplies the adapter's own alpha / r (default ${DEFAULT-VALUE}: as trained).")
    double scale;

    @Option(names = {"-t", "--threads"}, description = "Threads (default: all cores).")
    Integer threads;

    @Option(names = "--tensors", description = "List every merged tensor with its update and requantization error.")
    boolean tensors;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!Double.isFinite(scale)) throw new WeightclassException("--scale must be a finite number");
        int t = threads == null ? Kernels.defaultThreads() : threads;
        if (t < 1) throw new WeightclassException("--threads must be at least 1");
        PrintWriter out = spec.commandLine().getOut();
        try (ModelFile m = ModelFile.open(base); LoraAdapter a = LoraAdapter.open(adapterPath)) {
            long total = m.tensors().stream().mapToLong(TensorInfo::byteSize).sum();
            LoraMerge.Result r;
            try (ProgressBar bar = ProgressBars.bytes("merge", total, json)) {
                r = LoraMerge.merge(m, a, scale, output, t, bar == null ? null : bar::stepBy);
            }
            if (json) out.print(Json.pretty(toJson(r)));
            else print(out, r);
        }
        out.flush();
        return 0;
    }

    private Map<String, Object> toJson(LoraMerge.Result r) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("base", base.toString());
        o.put("adapter", adapterPath.toString());
        o.put("output", r.output().toString());
        o.put("output_bytes", r.outputBytes());
        o.put("scale_multiplier", scale);
        o.put("tensors_merged", r.tensors().size());
        o.put("seconds", r.seconds());
        List<Map<String, Object>> l = new ArrayList<>();
        for (LoraMerge.TensorReport t : r.tensors()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", t.name());
            m.put("type", t.type().name());
            m.put("shape", t.shape());
            m.put("rank", t.rank());
            m.put("scale", t.scale());
            m.put("delta_rms", t.deltaRms());
            m.put("requant_rms", t.requantRms());
            m.put("requant_relative_to_delta", t.requantRelative());
            l.add(m);
        }
        o.put("by_type", byType(r));
        o.put("tensors", l);
        return o;
    }

    /** Per stored type: tensors, mean update RMS, mean requantization RMS and its mean share of the update. */
    private static Map<String, Map<String, Object>> byType(LoraMerge.Result r) {
        Map<TensorType, List<LoraMerge.TensorReport>> g = new TreeMap<>();
        for (LoraMerge.TensorReport t : r.tensors()) g.computeIfAbsent(t.type(), k -> new ArrayList<>()).add(t);
        Map<String, Map<String, Object>> o = new LinkedHashMap<>();
        g.forEach((type, l) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("tensors", l.size());
            m.put("mean_delta_rms", l.stream().mapToDouble(LoraMerge.TensorReport::deltaRms).average().orElse(0));
            m.put("mean_requant_rms", l.stream().mapToDouble(LoraMerge.TensorReport::requantRms).average().orElse(0));
            m.put("mean_requant_relative_to_delta", l.stream().mapToDouble(LoraMerge.TensorReport::requantRelative).average().orElse(0));
            o.put(type.name(), m);
        });
        return o;
    }

    private void print(PrintWriter out, LoraMerge.Result r) {
        if (tensors) {
            out.printf(Locale.ROOT, "%-40s %-16s %-6s %4s %10s %12s %12s %9s%n", "tensor", "shape", "type", "r", "scale",
                    "update RMS", "requant RMS", "of update");
            for (LoraMerge.TensorReport t : r.tensors()) {
                out.printf(Locale.ROOT, "%-40s %-16s %-6s %4d %10.4g %12.4e %12.4e %8.2f%%%n", t.name(),
                        Arrays.toString(t.shape()).replace(" ", ""), t.type(), t.rank(), t.scale(), t.deltaRms(),
                        t.requantRms(), 100 * t.requantRelative());
            }
            out.println();
        }
        byType(r).forEach((type, m) -> out.printf(Locale.ROOT,
                "%-6s %3d tensors merged, update RMS %.3e, requantization adds RMS %.3e (%.1f%% of the update)%n",
                type, (Integer) m.get("tensors"), (Double) m.get("mean_delta_rms"), (Double) m.get("mean_requant_rms"),
                100 * (Double) m.get("mean_requant_relative_to_delta")));
        out.printf(Locale.ROOT, "wrote %s: %,d bytes (%s) in %.1f s%n", r.output(), r.outputBytes(),
                Bytes.human(r.outputBytes()), r.seconds());
    }
}
