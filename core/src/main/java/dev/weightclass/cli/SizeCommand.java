package dev.weightclass.cli;

import dev.weightclass.WeightclassException;
import dev.weightclass.compress.Bandwidth;
import dev.weightclass.compress.Codec;
import dev.weightclass.compress.CompressedSize;
import dev.weightclass.compress.TransferSizer;
import dev.weightclass.quant.QuantOptions;
import dev.weightclass.size.Bytes;
import dev.weightclass.size.Catalog;
import dev.weightclass.size.SizeChart;
import dev.weightclass.size.SizeEstimator;
import dev.weightclass.size.SizeReport;
import dev.weightclass.size.SizeVariant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "size",
        description = {"How big is each way to ship it? For every GGUF preset (F32 ... Q2_K, IQ4_NL, IQ4_XS)",
                "the exact file llama-quantize would write, and ONNX export targets (fp32, fp16, int8, int4),",
                "with bits per weight and download time. Reads headers and configs only.",
                "",
                "MODEL is a model file or folder (GGUF input: sizes exact to the byte), a Hugging Face",
                "config.json (no weights needed), or a catalog name such as llama-2-7b or qwen2.5-0.5b.",
                "",
                "Examples:",
                "  weightclass size model.gguf",
                "  weightclass size path/to/config.json --json",
                "  weightclass size tinyllama --bandwidth 10MB/s --chart sizes.svg",
                "  weightclass size model.gguf --transfer        (compresses the file: reads all of it)"})
public final class SizeCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "MODEL|CONFIG|NAME",
            description = "A model file or folder, a config.json, or a catalog name (see --list-catalog).")
    String input;

    @Option(names = "--json", description = "Print one JSON object instead of tables.")
    boolean json;

    @Option(names = "--bandwidth", paramLabel = "SPEED", defaultValue = "50Mbps",
            description = "Download speed for the time column: 50Mbps, 1Gbps, 800Kbps, 10MB/s... (default: ${DEFAULT-VALUE}).")
    String bandwidth;

    @Option(names = "--chart", paramLabel = "FILE", description = "Also write a bar chart of size per variant (.png or .svg).")
    Path chart;

    @Option(names = "--transfer", description = {"Also compress the input file with gzip, brotli and zstd (all cores,",
            "independent 16 MiB chunks) and report real compressed sizes. Reads the whole file."})
    boolean transfer;

    @Option(names = "--codecs", paramLabel = "LIST", split = ",", defaultValue = "gzip,brotli,zstd",
            description = "Compressors for --transfer, optionally with a level: gzip:9,zstd:19 (default: ${DEFAULT-VALUE}).")
    List<String> codecs;

    @Option(names = "--list-catalog", description = "List the built-in catalog of models and exit.")
    boolean listCatalog;

    @Option(names = "--pure", description = "As llama-quantize --pure: every quantized tensor in the preset's base type.")
    boolean pure;

    @Option(names = "--tensor-type", paramLabel = "REGEX=TYPE",
            description = "As llama-quantize --tensor-type: tensors whose name matches get TYPE (repeatable), e.g. ffn_down=f16.")
    List<String> tensorTypes = new ArrayList<>();

    @Option(names = "--output-tensor-type", paramLabel = "TYPE", description = "As llama-quantize: type of output.weight.")
    String outputTensorType;

    @Option(names = "--token-embedding-type", paramLabel = "TYPE", description = "As llama-quantize: type of token_embd.weight.")
    String tokenEmbeddingType;

    @Option(names = "--leave-output-tensor", description = "As llama-quantize: do not quantize output.weight.")
    boolean leaveOutputTensor;

    @Option(names = "--allow-requantize", description = "As llama-quantize: allow quantizing an already quantized model.")
    boolean allowRequantize;

    QuantOptions quantOptions() {
        QuantOptions o = QuantOptions.DEFAULT.withPure(pure).withLeaveOutputTensor(leaveOutputTensor)
                .withAllowRequantize(allowRequantize);
        if (outputTensorType != null) o = o.withOutputTensorType(QuantOptions.ggmlType(outputTensorType, "--output-tensor-type"));
        if (tokenEmbeddingType != null) o = o.withTokenEmbeddingType(QuantOptions.ggmlType(tokenEmbeddingType, "--token-embedding-type"));
        for (String t : tensorTypes) o = o.withOverride(QuantOptions.Override.parse(t));
        return o;
    }

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (listCatalog) {
            out.print(json ? Json.pretty(catalogJson()) : catalogText());
            out.flush();
            return 0;
        }
        if (input == null) throw new WeightclassException("size: give a model file, a config.json or a catalog name (or --list-catalog)");
        Bandwidth bw = Bandwidth.parse(bandwidth);
        List<Codec.Level> levels = transfer ? codecs.stream().map(Codec::parse).toList() : List.of();
        SizeReport report = SizeEstimator.estimate(input, quantOptions());
        List<CompressedSize> compressed = List.of();
        if (transfer) {
            Path file = Path.of(input);
            if (!Files.isRegularFile(file) || report.source().equals("config")) {
                throw new WeightclassException("--transfer needs a model file (it compresses the file itself), not '" + input + "'");
            }
            compressed = TransferSizer.defaults(System.err).measure(file, levels);
        }
        if (chart != null) SizeChart.write(report, chart);
        out.print(json ? Json.pretty(toJson(report, bw, compressed)) : text(report, bw, compressed));
        out.flush();
        return 0;
    }

    /** What {@code size --json} prints (the web app and reports use the same object). */
    public static Map<String, Object> toJson(SizeReport r, Bandwidth bw, List<CompressedSize> compressed) {
        Map<String, Object> j = r.toJson();
        j.put("bandwidth", bw.label());
        j.put("bandwidth_bytes_per_second", bw.bytesPerSecond());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> vs = (List<Map<String, Object>>) j.get("variants");
        for (int i = 0; i < vs.size(); i++) {
            SizeVariant v = r.variants().get(i);
            if (v.available()) vs.get(i).put("download_seconds", Math.round(bw.seconds(v.bytes()) * 10) / 10.0);
        }
        if (!compressed.isEmpty()) {
            List<Map<String, Object>> cs = new ArrayList<>();
            for (CompressedSize c : compressed) {
                Map<String, Object> m = c.toJson();
                m.put("download_seconds", Math.round(bw.seconds(c.bytes()) * 10) / 10.0);
                cs.add(m);
            }
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("method", "sum of independently compressed chunks (each a valid stream)");
            t.put("results", cs);
            j.put("transfer", t);
        }
        return j;
    }

    static String text(SizeReport r, Bandwidth bw, List<CompressedSize> compressed) {
        StringBuilder sb = new StringBuilder();
        var h = r.hyperparameters();
        sb.append(String.format(Locale.ROOT, "%s  (%s, %s)%n", r.name(), r.source(), h.architecture()));
        sb.append(String.format(Locale.ROOT, "  parameters  %,d = %s%n", r.parameters(), r.sizeClass()));
        if (h.layers() > 0) {
            sb.append(String.format(Locale.ROOT, "  shape       %d layers, width %d, %d heads (%d KV, dim %d), FFN %d, vocab %,d%s%n",
                    h.layers(), h.embeddingWidth(), h.heads(), h.kvHeads(), h.headDim(), h.ffnWidth(), h.vocabSize(),
                    Boolean.TRUE.equals(h.tiedEmbeddings()) ? ", tied embeddings" : ""));
        }
        if (r.inputBytes() >= 0) sb.append(String.format(Locale.ROOT, "  input file  %s (%,d bytes)%n", Bytes.human(r.inputBytes()), r.inputBytes()));
        sb.append(String.format(Locale.ROOT, "%n  %-8s %-6s %16s %11s %9s %13s  %s%n", "type", "format", "bytes", "size",
                "bits/w", "at " + bw.label(), ""));
        List<String> notes = new ArrayList<>();
        for (SizeVariant v : r.variants()) {
            String mark = v.exact() ? "" : "~";
            if (!v.available()) {
                sb.append(String.format(Locale.ROOT, "  %-8s %-6s %16s %11s %9s %13s  [%d]%n", v.type(), v.format(), "-", "-", "-", "-", notes.size() + 1));
                notes.add(v.type() + ": " + v.note());
                continue;
            }
            String ref = "";
            if (!v.note().isEmpty() && v.format().equals("gguf")) {
                notes.add(v.type() + ": " + v.note());
                ref = "[" + notes.size() + "]";
            }
            sb.append(String.format(Locale.ROOT, "  %-8s %-6s %16s %11s %9.2f %13s  %s%n", v.type(), v.format(),
                    mark + String.format(Locale.ROOT, "%,d", v.bytes()), Bytes.human(v.bytes()), v.bitsPerWeight(),
                    Bandwidth.human(bw.seconds(v.bytes())), ref));
        }
        if (!compressed.isEmpty()) {
            sb.append(String.format(Locale.ROOT, "%n  compressed input (independent %s chunks, %d threads)%n",
                    Bytes.human(compressed.getFirst().chunkBytes()), compressed.getFirst().threads()));
            for (CompressedSize c : compressed) {
                sb.append(String.format(Locale.ROOT, "  %-10s %16s %11s  %6.1f%%  %13s   %.2f GB/s%n", c.codec(),
                        String.format(Locale.ROOT, "%,d", c.bytes()), Bytes.human(c.bytes()), 100 * c.ratio(),
                        Bandwidth.human(bw.seconds(c.bytes())), c.gigabytesPerSecond()));
            }
        }
        boolean estimated = r.variants().stream().anyMatch(v -> !v.exact());
        if (!notes.isEmpty() || estimated || !r.assumptions().isEmpty()) sb.append('\n');
        for (int i = 0; i < notes.size(); i++) sb.append(String.format(Locale.ROOT, "  [%d] %s%n", i + 1, notes.get(i)));
        if (estimated) sb.append("  ~ estimate (see assumptions); other sizes are exact to the byte\n");
        for (String a : r.assumptions()) sb.append("  assumption: ").append(a).append('\n');
        return sb.toString();
    }

    static List<Map<String, Object>> catalogJson() {
        List<Map<String, Object>> list = new ArrayList<>();
        for (Catalog.Entry e : Catalog.all()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", e.name());
            m.put("hf", e.huggingFaceId());
            m.put("architecture", e.config().modelType());
            m.put("parameters", e.publishedParameters());
            m.put("aliases", e.aliases());
            list.add(m);
        }
        return list;
    }

    static String catalogText() {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-18s %-12s %16s  %s%n", "name", "architecture", "parameters", "Hugging Face"));
        for (Catalog.Entry e : Catalog.all()) {
            sb.append(String.format(Locale.ROOT, "%-18s %-12s %,16d  %s%n", e.name(), e.config().modelType(),
                    e.publishedParameters(), e.huggingFaceId()));
        }
        return sb.toString();
    }
}
