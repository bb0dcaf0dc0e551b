package dev.weightclass.cli;

import dev.weightclass.WeightclassException;
import dev.weightclass.format.ModelFile;
import dev.weightclass.format.gguf.GgufFile;
import dev.weightclass.format.gguf.GgufTensorSpec;
import dev.weightclass.format.gguf.GgufValue;
import dev.weightclass.format.gguf.GgufWriter;
import dev.weightclass.quant.GgufQuantizer;
import dev.weightclass.quant.QuantOptions;
import dev.weightclass.quant.QuantPlan;
import dev.weightclass.quant.QuantPreset;
import dev.weightclass.quant.Quantizers;
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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

@Command(name = "quantize",
        description = {"Make a model smaller: quantize a GGUF model's weights to a ggml type or a llama-quantize",
                "preset (per-tensor mix and fallbacks as llama.cpp chooses them; the tensor data is",
                "byte-identical with llama-quantize's output, no importance matrix), or an ONNX model's",
                "MatMul/Gemm weights to int8 or int4 in forms ONNX Runtime runs unchanged.",
                "",
                "GGUF types: F32 F16 BF16 Q8_0 Q6_K Q5_K_M Q5_K_S Q5_1 Q5_0 Q4_K_M Q4_K_S Q4_1 Q4_0",
                "            Q3_K_L Q3_K_M Q3_K_S Q2_K IQ4_NL IQ4_XS (case-insensitive).",
                "ONNX types: int8  per-channel symmetric int8 weights run by DynamicQuantizeLinear +",
                "                  MatMulInteger (ONNX Runtime's dynamic quantization); Gather",
                "                  embedding tables become uint8 + DequantizeLinear. Needs opset >= 11.",
                "            int4  4-bit symmetric blocks of 32 run by com.microsoft MatMulNBits",
                "                  (ONNX Runtime 1.17 or newer); embeddings stay float32.",
                "",
                "Examples: weightclass quantize model-f16.gguf -o model-Q4_K_M.gguf --type q4_k_m",
                "          weightclass quantize model.onnx -o model-int8.onnx --type int8"})
final class QuantizeCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "INPUT", description = "A GGUF model (F32/F16/BF16, or quantized with --allow-requantize), or a float32 ONNX model.")
    Path input;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUTPUT", description = "The GGUF or ONNX file to write (atomically).")
    Path output;

    @Option(names = {"-t", "--type"}, required = true, paramLabel = "TYPE", description = "Target type or preset, e.g. q4_k_m, q8_0; int8 or int4 for ONNX.")
    String type;

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

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: all cores).")
    int threads = Runtime.getRuntime().availableProcessors();

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        var onnxType = OnnxQuantType.parse(type);
        QuantPreset preset = onnxType.isPresent() ? null : OnnxQuantize.ggufPreset(type);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (threads < 1) throw new WeightclassException("--threads must be at least 1, got " + threads);
        if (!dryRun && Files.exists(output) && Files.exists(input) && Files.isSameFile(input, output)) {
            throw new WeightclassException(output + ": the output would overwrite the input");
        }
        if (onnxType.isPresent()) {
            OnnxQuantize.checkNoGgufOptions(pure || leaveOutputTensor || allowRequantize || outputTensorType != null
                    || tokenEmbeddingType != null || !tensorTypes.isEmpty());
            return OnnxQuantize.run(input, output, new OnnxQuantizer.Options(onnxType.get(), reduceRange), dryRun, out);
        }
        if (reduceRange) throw new WeightclassException("--reduce-range applies to --type int8 (ONNX) only");
        QuantOptions options = options();
        try (ModelFile m = ModelFile.open(input)) {
            if (!(m instanceof GgufFile gguf)) {
                throw new WeightclassException(input + ": GGUF types need a GGUF model; this is " + m.format()
                        + (m.format().name().equals("ONNX") ? " (quantize it with --type int8 or int4)" : ""));
            }
            QuantPlan plan = QuantPlan.of(gguf.tensors(), QuantPlan.Model.of(gguf.hyperparameters(), experts(gguf)),
                    preset, options);
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
            long size = outputSize(gguf, plan, preset);
            if (plan.fallbacks() > 0) {
                err.println(plan.fallbacks() + " of " + plan.decisions().size()
                        + " tensor(s) required fallback (rows not a multiple of the type's block size)");
            }
            if (dryRun) {
                printPlan(out, plan);
                out.printf(Locale.ROOT, "output: %s bytes (%s), input %s bytes%n", grouped(size), Bytes.human(size),
                        grouped(gguf.fileBytes()));
                out.flush();
                return 0;
            }
            long total = gguf.tensors().stream().mapToLong(TensorInfo::byteSize).sum();
            long t0 = System.nanoTime();
            try (ProgressBar bar = progressBar(total)) {
                GgufQuantizer.quantize(gguf, output, types, preset.fileType(), threads, bar == null ? null : bar::stepBy);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            out.printf(Locale.ROOT, "wrote %s: %s bytes (%s) as %s in %.1f s (%.3f GB/s of input, %d threads)%n",
                    output, grouped(Files.size(output)), Bytes.human(Files.size(output)), preset, seconds,
                    total / seconds / 1e9, threads);
            out.flush();
        }
        return 0;
    }

    private QuantOptions options() {
        QuantOptions o = QuantOptions.DEFAULT.withPure(pure).withLeaveOutputTensor(leaveOutputTensor)
                .withAllowRequantize(allowRequantize);
        if (outputTensorType != null) o = o.withOutputTensorType(QuantOptions.ggmlType(outputTensorType, "--output-tensor-type"));
        if (tokenEmbeddingType != null) o = o.withTokenEmbeddingType(QuantOptions.ggmlType(tokenEmbeddingType, "--token-embedding-type"));
        for (String s : tensorTypes) o = o.withOverride(QuantOptions.Override.parse(s));
        return o;
    }

    static int experts(GgufFile gguf) {
        GgufValue arch = gguf.kv().get("general.architecture");
        if (arch == null) return 0;
        GgufValue n = gguf.kv().get(arch.value() + ".expert_count");
        return n == null ? 0 : (int) n.asLong();
    }

    /** The exact size of the file quantize would write. */
    static long outputSize(GgufFile gguf, QuantPlan plan, QuantPreset preset) {
        List<GgufTensorSpec> specs = new ArrayList<>();
        for (TensorInfo t : GgufQuantizer.llamaOrder(gguf.tensors())) {
            specs.add(GgufTensorSpec.of(t).withType(plan.typeOf(t.name())));
        }
        Map<String, GgufValue> kv = GgufQuantizer.outputMetadata(gguf.kv(), preset.fileType());
        return GgufWriter.fileSize(GgufWriter.DEFAULT_VERSION, kv, specs, GgufWriter.alignmentOf(kv));
    }

    private static void printPlan(PrintWriter out, QuantPlan plan) {
        for (QuantPlan.Decision d : plan.decisions()) {
            out.printf(Locale.ROOT, "%-40s %-22s %-6s -> %-6s %14s%s%n", d.name(), shape(d.shape()), d.from(), d.to(),
                    grouped(d.bytes()), d.note().isEmpty() ? "" : "  " + d.note());
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
