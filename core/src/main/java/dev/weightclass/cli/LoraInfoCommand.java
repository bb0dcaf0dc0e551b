package dev.weightclass.cli;

import dev.weightclass.WeightclassException;
import dev.weightclass.format.ModelFile;
import dev.weightclass.lora.AdapterSizes;
import dev.weightclass.lora.BoundPair;
import dev.weightclass.lora.LoraAdapter;
import dev.weightclass.lora.LoraBinding;
import dev.weightclass.lora.LoraPair;
import dev.weightclass.lora.PeftConfig;
import dev.weightclass.size.Bytes;
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
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

@Command(name = "info", mixinStandardHelpOptions = true,
        description = {"What an adapter holds: its rank(s), alpha and the resulting scale (alpha / r, or",
                "alpha / sqrt(r) with use_rslora), the modules it targets, its tensors, parameters and bytes.",
                "With --base it also checks every pair against the base model's tensor shapes and shows",
                "what shipping N fine-tunes as one base plus N adapters costs against N full models.",
                "",
                "Example: weightclass lora info my-adapter/ --base model.gguf --count 10"})
final class LoraInfoCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "ADAPTER",
            description = "A PEFT folder (adapter_model.safetensors + adapter_config.json) or a GGUF LoRA file.")
    Path adapterPath;

    @Option(names = "--base", paramLabel = "MODEL", description = "The base model: check the adapter fits it and compare sizes.")
    Path base;

    @Option(names = "--count", paramLabel = "N", defaultValue = "1",
            description = "Number of fine-tunes to ship, for the size comparison (default ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--tensors", description = "List every A/B pair: target, rank, shapes, scale.")
    boolean tensors;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (count < 1) throw new WeightclassException("--count must be at least 1, got " + count);
        PrintWriter out = spec.commandLine().getOut();
        try (LoraAdapter a = LoraAdapter.open(adapterPath)) {
            Map<String, Object> o = describe(a);
            if (base != null) {
                try (ModelFile m = ModelFile.open(base)) {
                    List<BoundPair> bound = LoraBinding.bind(a, m, 1.0);
                    AdapterSizes s = new AdapterSizes(m.fileBytes(), a.fileBytes(), count);
                    Map<String, Object> b = new LinkedHashMap<>();
                    b.put("path", base.toString());
                    b.put("pairs_matched", bound.size());
                    b.put("tensors_changed", bound.stream().map(p -> p.base().name()).toList());
                    o.put("base", b);
                    Map<String, Object> z = new LinkedHashMap<>();
                    z.put("count", count);
                    z.put("base_bytes", s.baseBytes());
                    z.put("adapter_bytes", s.adapterBytes());
                    z.put("adapter_fraction_of_base", s.adapterFraction());
                    z.put("base_plus_adapters_bytes", s.withAdapters());
                    z.put("full_models_bytes", s.fullModels());
                    z.put("saved_bytes", s.saved());
                    z.put("ratio", s.ratio());
                    o.put("sizes", z);
                }
            }
            if (json) {
                if (tensors) o.put("pairs_detail", pairs(a));
                out.print(Json.pretty(o));
            } else {
                print(out, a, o);
            }
        }
        out.flush();
        return 0;
    }

    private static Map<String, Object> describe(LoraAdapter a) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("adapter", a.path().toString());
        o.put("format", a.format().name().toLowerCase(Locale.ROOT));
        o.put("tensors", a.tensorCount());
        o.put("pairs", a.pairs().size());
        o.put("parameters", a.parameters());
        o.put("tensor_bytes", a.tensorBytes());
        o.put("file_bytes", a.fileBytes());
        o.put("ranks", a.ranks());
        o.put("alpha", a.alpha().orElse(null));
        o.put("scales", a.scales());
        o.put("targets", a.targetKinds());
        o.put("types", a.pairs().stream().flatMap(p -> java.util.stream.Stream.of(p.a().type(), p.b().type()))
                .map(Enum::name).distinct().sorted().toList());
        a.config().ifPresent(c -> {
            o.put("target_modules", c.targetModules());
            o.put("fan_in_fan_out", c.fanInFanOut());
            o.put("use_rslora", c.useRslora());
            o.put("rank_pattern", c.rankPattern());
            o.put("alpha_pattern", c.alphaPattern());
            o.put("base_model", c.baseModel());
        });
        a.architecture().ifPresent(s -> o.put("architecture", s));
        return o;
    }

    private static List<Map<String, Object>> pairs(LoraAdapter a) {
        List<Map<String, Object>> l = new ArrayList<>();
        for (LoraPair p : a.pairs()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("target", p.target());
            m.put("rank", p.rank());
            m.put("a_shape", p.a().shape());
            m.put("b_shape", p.b().shape());
            m.put("scale", p.scale());
            m.put("parameters", p.parameters());
            l.add(m);
        }
        return l;
    }

    @SuppressWarnings("unchecked")
    private void print(PrintWriter out, LoraAdapter a, Map<String, Object> o) {
        out.printf(Locale.ROOT, "adapter         %s (%s)%n", a.path(), o.get("format"));
        out.printf(Locale.ROOT, "tensors         %d (%d A/B pairs), %s%n", a.tensorCount(), a.pairs().size(),
                String.join("/", (List<String>) o.get("types")));
        out.printf(Locale.ROOT, "parameters      %,d%n", a.parameters());
        out.printf(Locale.ROOT, "bytes           %,d of tensor data, %,d on disk (%s)%n", a.tensorBytes(), a.fileBytes(),
                Bytes.human(a.fileBytes()));
        out.printf(Locale.ROOT, "rank            %s%n", a.ranks().stream().map(String::valueOf).collect(Collectors.joining(", ")));
        out.printf(Locale.ROOT, "alpha           %s%n", a.alpha().map(LoraInfoCommand::num).orElse("none (scale 1)"));
        boolean rs = a.config().map(PeftConfig::useRslora).orElse(false);
        out.printf(Locale.ROOT, "scale           %s  (%s)%n", a.scales().stream().map(LoraInfoCommand::num)
                .collect(Collectors.joining(", ")), a.alpha().isEmpty() ? "no alpha" : rs ? "alpha / sqrt(r), rsLoRA" : "alpha / r");
        out.printf(Locale.ROOT, "targets         %s%n", String.join(", ", a.targetKinds()));
        a.config().ifPresent(c -> {
            out.printf(Locale.ROOT, "fan_in_fan_out  %s%s%n", c.fanInFanOut(), c.fanInFanOut()
                    ? " (base weights are [in, out], Conv1D: B*A is transposed before it is added)" : "");
            if (!c.rankPattern().isEmpty()) out.printf(Locale.ROOT, "rank_pattern    %s%n", c.rankPattern());
            if (!c.alphaPattern().isEmpty()) out.printf(Locale.ROOT, "alpha_pattern   %s%n", c.alphaPattern());
            if (!c.baseModel().isEmpty()) out.printf(Locale.ROOT, "trained on      %s%n", c.baseModel());
        });
        a.architecture().ifPresent(s -> out.printf(Locale.ROOT, "architecture    %s%n", s));
        if (tensors) {
            out.println();
            for (LoraPair p : a.pairs()) {
                out.printf(Locale.ROOT, "  %-48s r=%-4d A %-14s B %-14s scale %s%n", p.target(), p.rank(),
                        Arrays.toString(p.a().shape()), Arrays.toString(p.b().shape()), num(p.scale()));
            }
        }
        if (o.get("base") instanceof Map<?, ?> b) {
            Map<String, Object> z = (Map<String, Object>) o.get("sizes");
            out.println();
            out.printf(Locale.ROOT, "base            %s: all %d pairs fit its tensors%n", b.get("path"), a.pairs().size());
            long baseBytes = (Long) z.get("base_bytes"), ad = (Long) z.get("adapter_bytes");
            out.printf(Locale.ROOT, "one adapter     %s, %.2f%% of the base (%s)%n", Bytes.human(ad),
                    100 * (Double) z.get("adapter_fraction_of_base"), Bytes.human(baseBytes));
            out.printf(Locale.ROOT, "%d fine-tunes   base + %d adapters %s  vs  %d full models %s: %s saved, %.1fx smaller%n",
                    count, count, Bytes.human((Long) z.get("base_plus_adapters_bytes")), count,
                    Bytes.human((Long) z.get("full_models_bytes")), Bytes.human((Long) z.get("saved_bytes")),
                    (Double) z.get("ratio"));
        }
    }

    static String num(double d) {
        if (d == Math.rint(d) && Math.abs(d) < 1e15) return String.valueOf((long) d);
        return String.format(Locale.ROOT, "%.6g", d);
    }
}
