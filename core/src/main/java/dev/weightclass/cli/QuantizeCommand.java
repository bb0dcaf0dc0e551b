package dev.weightclass.cli;

import dev.weightclass.WeightclassException;
import dev.weightclass.fit.AttentionWindow;
import dev.weightclass.fit.Device;
import dev.weightclass.fit.DeviceCatalog;
import dev.weightclass.fit.FitCalculator;
import dev.weightclass.fit.InferenceRuntime;
import dev.weightclass.fit.ModelVariant;
import dev.weightclass.fit.RunConfig;
import dev.weightclass.quant.GgufQuantizer;
import dev.weightclass.quant.QuantOptions;
import dev.weightclass.quant.QuantPlan;
import dev.weightclass.quant.QuantPreset;
import dev.weightclass.quant.QuantSource;
import dev.weightclass.quant.Quantizers;
import dev.weightclass.quant.RoundTripError;
import dev.weightclass.quant.SizeBudget;
import dev.weightclass.quant.onnx.OnnxQuantType;
import dev.weightclass.quant.onnx.OnnxQuantizer;
import dev.weightclass.size.Bytes;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorType;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

@Command(name = "quantize",
        description = {"Make a model smaller as a GGUF file: quantize its weights to a ggml type or a llama-quantize",
                "preset (per-tensor mix and fallbacks as llama.cpp chooses them), or to a size budget.",
                "The tensor data is byte-identical with llama-quantize's output on the same input (no",
                "importance matrix). Inputs: GGUF, a Hugging Face llama folder (safetensors + config.json)",
                "or a llama2.c checkpoint (+ tokenizer.bin): those are converted to GGUF on the way.",
                "",
                "Types: F32 F16 BF16 Q8_0 Q6_K Q5_K_M Q5_K_S Q5_1 Q5_0 Q4_K_M Q4_K_S Q4_1 Q4_0",
                "       Q3_K_L Q3_K_M Q3_K_S Q2_K IQ4_NL IQ4_XS (case-insensitive).",
                "ONNX models: --type int8 gives per-channel symmetric int8 weights run by",
                "DynamicQuantizeLinear + MatMulInteger (ONNX Runtime's dynamic quantization; Gather",
                "embedding tables become uint8 + DequantizeLinear; needs opset >= 11); --type int4 gives",
                "4-bit symmetric blocks of 32 run by com.microsoft MatMulNBits (embeddings stay float32).",
                "Size targets (instead of --type): --target-size, --target-bpw or --fit choose a type per",
                "tensor that keeps the file within the budget with the least weighted error",
                "(docs/QUANTIZATION.md gives the formula).",
                "",
                "Examples:",
                "  weightclass quantize model-f16.gguf -o model-Q4_K_M.gguf --type q4_k_m",
                "  weightclass quantize hf-llama/ -o model-f32.gguf --type f32 --vocab tokenizer.bin",
                "  weightclass quantize model-f16.gguf -o small.gguf --target-size 700MB --report",
                "  weightclass quantize model-f16.gguf -o phone.gguf --fit \"Google Pixel 8\" --ctx 2048 --dry-run",
                "  weightclass quantize model.onnx -o model-int8.onnx --type int8"})
final class QuantizeCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "INPUT",
            description = "A GGUF model (F32/F16/BF16, or quantized with --allow-requantize), a Hugging Face llama "
                    + "folder or model.safetensors with config.json, a llama2.c checkpoint, or a float32 ONNX model (--type int8/int4).")
    Path input;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUTPUT", description = "The GGUF or ONNX file to write (atomically).")
    Path output;

    @Option(names = {"-t", "--type"}, paramLabel = "TYPE", description = "Target type or preset, e.g. q4_k_m, q8_0; int8 or int4 for an ONNX model.")
    String type;

    @Option(names = "--target-size", paramLabel = "BYTES", description = "Largest output file, e.g. 700000000 or 700MB: a type per tensor is chosen.")
    String targetSize;

    @Option(names = "--target-bpw", paramLabel = "B", description = "Largest output in bits per weight (file bits / all tensor elements).")
    Double targetBpw;

    @Option(names = "--fit", paramLabel = "DEVICE", description = "Largest output that runs on DEVICE with llama.cpp (see 'weightclass fit --list-devices').")
    String fitDevice;

    @Option(names = "--ctx", paramLabel = "N", description = "Context length --fit must leave room for (default: 4096 or the model's trained context if smaller).")
    Integer ctx;

    @Option(names = "--vocab", paramLabel = "FILE", description = "Tokenizer for a converted input: a GGUF or a llama2.c tokenizer.bin (default: tokenizer.model, else tokenizer.json, beside a safetensors model; tokenizer.bin beside a llama2.c one).")
    Path vocab;

    @Option(names = "--pure", description = "Every quantizable tensor gets the base type: no preset mixture, no Q6_K output.")
    boolean pure;

    @Option(names = "--output-tensor-type", paramLabel = "TYPE", description = "Type for output.weight.")
    String outputTensorType;

    @Option(names = "--token-embedding-type", paramLabel = "TYPE", description = "Type for token_embd.weight.")
    String tokenEmbeddingType;

    @Option(names = "--tensor-type", paramLabel = "REGEX=TYPE",
            description = "Type for tensors whose name matches REGEX (repeatable, first match wins), e.g. ffn_down=q6_k.")
    List<String> tensorTypes = new ArrayList<>();

    @Option(names = "--leave-output-tensor", description = "Keep output.weight in its input type.")
    boolean leaveOutputTensor;

    @Option(names = "--allow-requantize", description = "Accept a quantized input: it is dequantized first (quality suffers).")
    boolean allowRequantize;

    @Option(names = "--dry-run", description = "Print the per-tensor plan and the exact output size; write nothing.")
    boolean dryRun;

    @Option(names = "--reduce-range", description = "ONNX int8: 7-bit weights ([-64, 64]) for x86 CPUs without VNNI.")
    boolean reduceRange;

    @Option(names = "--report", description = "After writing, print per tensor: type, bytes, RMSE and max |error| of the round trip.")
    boolean report;

    @Option(names = "--json", description = "Print one JSON object (plan, sizes, per-tensor round-trip errors) instead of text.")
    boolean json;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: all cores).")
    int threads = Runtime.getRuntime().availableProcessors();

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int targets = (targetSize != null ? 1 : 0) + (targetBpw != null ? 1 : 0) + (fitDevice != null ? 1 : 0);
        if (targets > 1) throw new WeightclassException("give one of --target-size, --target-bpw, --fit");
        if (targets == 1 && type != null) throw new WeightclassException("give --type or a size target (--target-size, --target-bpw, --fit), not both");
        if (targets == 0 && type == null) throw new WeightclassException("give --type TYPE (e.g. q4_k_m) or a size target (--target-size, --target-bpw, --fit)");
        if (ctx != null && fitDevice == null) throw new WeightclassException("--ctx goes with --fit DEVICE");
        if (threads < 1) throw new WeightclassException("--threads must be at least 1, got " + threads);
        if (Files.exists(output) && Files.exists(input) && Files.isSameFile(input, output)) {
            throw new WeightclassException(output + ": the output would overwrite the input");
        }
        var onnxType = type == null ? java.util.Optional.<OnnxQuantType>empty() : OnnxQuantType.parse(type);
        if (onnxType.isPresent()) {
            OnnxQuantize.checkNoGgufOptions(pure || leaveOutputTensor || allowRequantize || outputTensorType != null
                    || tokenEmbeddingType != null || !tensorTypes.isEmpty() || vocab != null || report || json);
            return OnnxQuantize.run(input, output, new OnnxQuantizer.Options(onnxType.get(), reduceRange), dryRun, threads, out);
        }
        if (reduceRange) throw new WeightclassException("--reduce-range applies to --type int8 (ONNX) only");
        QuantPreset preset = type == null ? null : OnnxQuantize.ggufPreset(type);
        QuantOptions options = options();
        try (QuantSource src = QuantSource.open(input, vocab, w -> err.println("warning: " + w))) {
            for (Path f : src.files()) {
                if (Files.exists(output) && Files.isSameFile(f, output)) {
                    throw new WeightclassException(output + ": the output would overwrite the input file " + f);
                }
            }
            QuantPlan plan;
            int fileType;
            SizeBudget.Result budget = null;
            if (preset != null) {
                plan = QuantPlan.of(src.tensors(), QuantPlan.Model.of(src.hyperparameters(), src.experts()), preset, options);
                fileType = preset.fileType();
            } else {
                budget = SizeBudget.plan(src, targetBytes(src), options, threads);
                plan = budget.plan();
                fileType = budget.fileType();
            }
            Map<String, TensorType> types = new HashMap<>();
            List<TensorType> unwritable = new ArrayList<>();
            for (QuantPlan.Decision d : plan.decisions()) {
                types.put(d.name(), d.to());
                if (d.converted() && Quantizers.find(d.to()).map(q -> !q.canQuantize()).orElse(true)) unwritable.add(d.to());
                if (d.converted() && d.from().isQuantized()) {
                    err.println("warning: " + d.name() + " is " + d.from() + "; requantizing it to " + d.to() + " loses quality");
                }
            }
            if (!unwritable.isEmpty()) {
                throw new WeightclassException("cannot write tensor type " + unwritable.getFirst() + " (writable: "
                        + Quantizers.quantizable().stream().map(Enum::name).collect(Collectors.joining(", ")) + ")");
            }
            long size = GgufQuantizer.outputSize(src, types, fileType);
            if (plan.fallbacks() > 0) {
                err.println(plan.fallbacks() + " of " + plan.decisions().size()
                        + " tensor(s) required fallback (rows not a multiple of the type's block size)");
            }
            String label = preset != null ? preset.name() : "size target";
            if (!json && (dryRun || budget != null)) {
                printPlan(out, plan, budget != null);
                if (budget != null) {
                    out.printf(Locale.ROOT, "target: %s bytes (%s); weighted relative error %.3g%n",
                            grouped(budget.targetBytes()), targetText(), budget.loss());
                }
                out.printf(Locale.ROOT, "output: %s bytes (%s), input tensor data %s bytes%n", grouped(size),
                        Bytes.human(size), grouped(src.tensors().stream().mapToLong(TensorInfo::byteSize).sum()));
                out.flush();
            }
            if (dryRun) {
                if (json) out.print(Json.pretty(toJson(plan, budget, size, null, null, 0)));
                out.flush();
                return 0;
            }
            long total = src.tensors().stream().mapToLong(TensorInfo::byteSize).sum();
            long t0 = System.nanoTime();
            List<RoundTripError> errors;
            try (ProgressBar bar = progressBar(total)) {
                errors = GgufQuantizer.quantize(src, output, types, fileType, threads,
                        bar == null ? null : bar::stepBy, report || json);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            long written = Files.size(output);
            if (written != size) throw new IllegalStateException("wrote " + written + " bytes, predicted " + size);
            if (json) {
                out.print(Json.pretty(toJson(plan, budget, size, errors, output, seconds)));
            } else {
                if (report) printReport(out, errors);
                out.printf(Locale.ROOT, "wrote %s: %s bytes (%s) as %s in %.1f s (%.3f GB/s of input, %d threads)%n",
                        output, grouped(written), Bytes.human(written), label, seconds, total / seconds / 1e9, threads);
            }
            out.flush();
        }
        return 0;
    }

    private String targetText() {
        if (targetSize != null) return "--target-size " + targetSize;
        if (targetBpw != null) return "--target-bpw " + targetBpw;
        return "--fit " + fitDevice + (ctx != null ? " --ctx " + ctx : "");
    }

    /** The byte budget of the output file from --target-size, --target-bpw or --fit. */
    private long targetBytes(QuantSource src) {
        if (targetSize != null) {
            long b = Bytes.parse(targetSize);
            if (b <= 0) throw new WeightclassException("--target-size must be positive, got " + targetSize);
            return b;
        }
        long elements = src.tensors().stream().mapToLong(TensorInfo::elements).sum();
        if (targetBpw != null) {
            if (!(targetBpw > 0)) throw new WeightclassException("--target-bpw must be positive, got " + targetBpw);
            return (long) Math.floor(targetBpw * elements / 8);
        }
        Device device = DeviceCatalog.builtIn().find(fitDevice);
        int trained = src.hyperparameters().contextLength();
        int context = ctx != null ? ctx : (trained > 0 ? Math.min(4096, trained) : 4096);
        if (context < 1) throw new WeightclassException("--ctx must be at least 1, got " + context);
        ModelVariant v = new ModelVariant(src.path().getFileName().toString(), "source", "gguf", 0,
                src.hyperparameters(), src.tensors());
        FitCalculator calc = new FitCalculator(InferenceRuntime.LLAMA_CPP, RunConfig.defaults(context), 0);
        long weights = calc.weightBudget(v, device, AttentionWindow.NONE);
        if (weights <= 0) {
            throw new WeightclassException(device.name() + " has no memory left for weights at context " + context
                    + " (KV cache and buffers take it all); try a smaller --ctx");
        }
        long tensorBytes = src.tensors().stream().mapToLong(TensorInfo::byteSize).sum();
        long header = GgufQuantizer.outputSize(src, Map.of(), 0) - tensorBytes; // metadata, tensor infos, padding
        return weights + Math.max(0, header);
    }

    private QuantOptions options() {
        QuantOptions o = QuantOptions.DEFAULT.withPure(pure).withLeaveOutputTensor(leaveOutputTensor)
                .withAllowRequantize(allowRequantize);
        if (outputTensorType != null) o = o.withOutputTensorType(QuantOptions.ggmlType(outputTensorType, "--output-tensor-type"));
        if (tokenEmbeddingType != null) o = o.withTokenEmbeddingType(QuantOptions.ggmlType(tokenEmbeddingType, "--token-embedding-type"));
        for (String s : tensorTypes) o = o.withOverride(QuantOptions.Override.parse(s));
        return o;
    }

    private static Map<String, Object> toJson(QuantPlan plan, SizeBudget.Result budget, long predicted,
                                              List<RoundTripError> errors, Path output, double seconds) {
        Map<String, Object> root = new LinkedHashMap<>();
        if (budget != null) {
            root.put("target_bytes", budget.targetBytes());
            root.put("weighted_relative_error", budget.loss());
        } else {
            root.put("preset", plan.preset().name());
        }
        root.put("predicted_bytes", predicted);
        if (output != null) {
            root.put("output", output.toString());
            root.put("seconds", seconds);
        }
        Map<String, RoundTripError> byName = new HashMap<>();
        if (errors != null) for (RoundTripError e : errors) byName.put(e.name(), e);
        List<Map<String, Object>> tensors = new ArrayList<>();
        for (QuantPlan.Decision d : plan.decisions()) {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("name", d.name());
            t.put("shape", d.shape());
            t.put("from", d.from().name());
            t.put("to", d.to().name());
            t.put("bytes", d.bytes());
            RoundTripError e = byName.get(d.name());
            if (e != null) {
                t.put("rmse", e.rmse());
                t.put("max_abs_error", e.maxAbs());
            }
            if (budget == null && !d.note().isEmpty()) t.put("note", d.note());
            tensors.add(t);
        }
        root.put("tensors", tensors);
        return root;
    }

    private static void printPlan(PrintWriter out, QuantPlan plan, boolean sizeTarget) {
        for (QuantPlan.Decision d : plan.decisions()) {
            String note = sizeTarget ? (d.converted() ? "size target" : "") : d.note();
            out.printf(Locale.ROOT, "%-40s %-22s %-6s -> %-6s %14s%s%n", d.name(), shape(d.shape()), d.from(), d.to(),
                    grouped(d.bytes()), note.isEmpty() ? "" : "  " + note);
        }
    }

    private static void printReport(PrintWriter out, List<RoundTripError> errors) {
        out.printf(Locale.ROOT, "%-40s %-6s %14s %12s %12s%n", "tensor", "type", "bytes", "rmse", "max |err|");
        for (RoundTripError e : errors) {
            out.printf(Locale.ROOT, "%-40s %-6s %14s %12.4g %12.4g%n", e.name(), e.to(), grouped(e.bytes()), e.rmse(), e.maxAbs());
        }
    }

    private static String shape(long[] s) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < s.length; i++) b.append(i == 0 ? "" : ", ").append(s[i]);
        return b.append(']').toString();
    }

    private static String grouped(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** A progress bar on the terminal; none when stderr is not one (tests, pipes). */
    private static ProgressBar progressBar(long total) {
        if (System.console() == null) return null;
        return new ProgressBarBuilder().setTaskName("quantize").setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII).setUnit(" MB", 1_000_000).showSpeed()
                .setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
    }
}
