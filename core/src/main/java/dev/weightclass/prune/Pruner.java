package dev.weightclass.prune;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weightclass.WeightclassException;
import dev.weightclass.format.AtomicOutput;
import dev.weightclass.format.HfConfig;
import dev.weightclass.format.ModelFile;
import dev.weightclass.format.gguf.GgufFile;
import dev.weightclass.format.gguf.GgufTensorSpec;
import dev.weightclass.format.gguf.GgufValue;
import dev.weightclass.format.gguf.GgufValueType;
import dev.weightclass.format.gguf.GgufWriter;
import dev.weightclass.format.safetensors.SafetensorsFile;
import dev.weightclass.format.safetensors.SafetensorsHeader;
import dev.weightclass.format.safetensors.SafetensorsWriter;
import dev.weightclass.format.Hyperparameters;
import dev.weightclass.quant.GgufQuantizer;
import dev.weightclass.quant.QuantOptions;
import dev.weightclass.quant.QuantPlan;
import dev.weightclass.quant.QuantPreset;
import dev.weightclass.quant.Quantizers;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorRole;
import dev.weightclass.tensor.TensorType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.LongConsumer;

/**
 * Writes a pruned copy of a GGUF or safetensors model, tensor by tensor from the mapped input.
 * The matrices of the transformer blocks (attention q/k/v/o, feed-forward gate/up/down) lose the
 * lowest-scored weights of every row; embeddings, classifier and norms are copied. Dropped blocks
 * are left out and later ones renumbered, with the block count in the metadata (GGUF) or
 * config.json (safetensors) rewritten. Every check runs before the first byte is written.
 */
public final class Pruner {
    private Pruner() {}

    /** One input tensor's fate. */
    private record Item(TensorInfo src, String outName, int layer, boolean matrix, double sparsity, TensorType to) {}

    /**
     * @param norms    Wanda's activation norms (required for {@link PruneMethod#WANDA}), else null
     * @param progress receives input bytes done after each tensor, may be null
     */
    public static PruneResult prune(ModelFile in, Path output, PruneOptions o, ActivationNorms norms,
                                    LongConsumer progress) throws IOException {
        if (o.method() == PruneMethod.WANDA && norms == null) {
            throw new WeightclassException("wanda needs activation norms from calibration text");
        }
        check(in, output, o);
        boolean gguf = in instanceof GgufFile;
        int layersIn = layerCount(in);
        int layersOut = layersIn - o.dropLayers().size();
        List<String> warnings = new ArrayList<>();
        List<Item> items = plan(in, o, norms, layersIn, layersOut, gguf, warnings);
        if (!gguf && !(in instanceof SafetensorsFile)) {
            throw new WeightclassException(in.path() + ": prune writes GGUF and safetensors models; this is "
                    + in.format().id() + " (convert it first)");
        }
        for (Item it : items) {
            if (it.matrix && it.sparsity > 0 && it.src.type().isQuantized()) {
                warnings.add(it.src.name() + " is " + it.src.type() + ": it is dequantized, pruned and quantized again to "
                        + it.to + " (prune the F16/F32 model to avoid the extra error)");
            }
        }
        long dropped = in.tensors().stream().filter(t -> o.dropLayers().contains(LayerNames.layerOf(t.name())))
                .mapToLong(TensorInfo::byteSize).sum();

        Map<String, PrunedTensor> stats = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(o.threads(), r -> {
            Thread t = new Thread(r, "prune");
            t.setDaemon(true);
            return t;
        });
        try {
            if (gguf) writeGguf((GgufFile) in, output, o, norms, items, layersIn, layersOut, pool, stats, progress);
            else writeSafetensors((SafetensorsFile) in, output, o, norms, items, layersIn, layersOut, pool, stats, progress);
        } finally {
            pool.shutdownNow();
        }
        List<PrunedTensor> tensors = new ArrayList<>();
        for (Item it : items) if (stats.containsKey(it.src.name())) tensors.add(stats.get(it.src.name()));
        return new PruneResult(output, o, List.copyOf(tensors), layersIn, layersOut, dropped, in.fileBytes(),
                Files.size(output), List.copyOf(warnings));
    }

    /**
     * Every check of {@link #prune} that needs no calibration (format, output name, layer indices,
     * N:M row lengths, output types): run it before spending minutes on calibration.
     */
    public static void check(ModelFile in, Path output, PruneOptions o) {
        boolean gguf = in instanceof GgufFile;
        if (!gguf && !(in instanceof SafetensorsFile)) {
            throw new WeightclassException(in.path() + ": prune writes GGUF and safetensors models; this is "
                    + in.format().id() + " (convert it first)");
        }
        checkOutputName(output, gguf);
        if (Files.exists(output) && in.files().stream().anyMatch(f -> same(f, output))) {
            throw new WeightclassException(output + ": the output would overwrite the input");
        }
        Path dir = output.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new WeightclassException(output + ": output folder " + dir + " does not exist");
        }
        int layersIn = layerCount(in);
        o.checkLayers(layersIn);
        plan(in, o, null, layersIn, layersIn - o.dropLayers().size(), gguf, new ArrayList<>());
    }

    /** The blocks of the model: from its hyperparameters, else the highest block index in its tensor names. */
    static int layerCount(ModelFile in) {
        int fromNames = in.tensors().stream().mapToInt(t -> LayerNames.layerOf(t.name())).max().orElse(-1) + 1;
        int declared = in.hyperparameters().normalized().layers();
        int n = declared > 0 ? declared : fromNames;
        if (n <= 0) throw new WeightclassException(in.path() + ": no transformer blocks found (no blk.N / layers.N tensors)");
        if (fromNames > n) {
            throw new WeightclassException(in.path() + ": tensors name block " + (fromNames - 1) + " but the model declares "
                    + n + " blocks");
        }
        return n;
    }

    private static List<Item> plan(ModelFile in, PruneOptions o, ActivationNorms norms, int layersIn, int layersOut,
                                   boolean gguf, List<String> warnings) {
        List<TensorInfo> kept = new ArrayList<>();
        List<Item> items = new ArrayList<>();
        for (TensorInfo t : in.tensors()) {
            int layer = LayerNames.layerOf(t.name());
            if (o.dropLayers().contains(layer)) continue;
            String outName = LayerNames.rename(t.name(), o.dropLayers());
            boolean matrix = prunable(t, layer);
            double s = matrix ? o.sparsityOf(layer, layersIn) : 0;
            if (matrix && s > 0) {
                o.pattern().checkRow(t.name(), t.rowLength());
                if (o.method() == PruneMethod.WANDA && norms != null && norms.of(t.name()) == null) {
                    throw new WeightclassException(t.name() + " never ran during calibration, so wanda has no input norms"
                            + " for it (use --method magnitude)");
                }
                if (o.method() == PruneMethod.WANDA && norms != null && norms.of(t.name()).length != t.rowLength()) {
                    throw new WeightclassException(t.name() + ": calibration norms have " + norms.of(t.name()).length
                            + " features, the rows " + t.rowLength());
                }
            }
            kept.add(new TensorInfo(outName, t.shape(), t.type(), 0, 0, t.byteSize(), t.role(),
                    LayerNames.renumber(layer, o.dropLayers())));
            items.add(new Item(t, outName, layer, matrix, s, t.type()));
        }
        Map<String, TensorType> types = outputTypes(in, o, kept, layersOut, gguf, warnings);
        List<Item> typed = new ArrayList<>();
        for (Item it : items) {
            TensorType to = types.getOrDefault(it.outName, it.src.type());
            boolean rewrite = to != it.src.type() || (it.matrix && it.sparsity > 0);
            if (rewrite && Quantizers.find(to).map(q -> !q.canQuantize()).orElse(true)) {
                throw new WeightclassException(it.src.name() + ": cannot write tensor type " + to + " (writable: "
                        + Quantizers.quantizable() + "); pass --type");
            }
            typed.add(new Item(it.src, it.outName, it.layer, it.matrix, it.sparsity, to));
        }
        return typed;
    }

    /** Block matrices: 2-D attention and feed-forward weights (not an MoE router, not embeddings or norms). */
    static boolean prunable(TensorInfo t, int layer) {
        String n = t.name();
        return layer >= 0 && t.rank() == 2 && (t.role() == TensorRole.ATTENTION || t.role() == TensorRole.FFN)
                && !n.contains("gate_inp") && !n.endsWith(".bias") && t.dim(0) > 1;
    }

    /** The type of every output tensor: the input's, or what the quantization plan says for --type. */
    private static Map<String, TensorType> outputTypes(ModelFile in, PruneOptions o, List<TensorInfo> out,
                                                       int layersOut, boolean gguf, List<String> warnings) {
        Map<String, TensorType> types = new LinkedHashMap<>();
        QuantPreset p = o.type();
        if (p == null) return types;
        if (!gguf) {
            if (p.baseType() != TensorType.F32 && p.baseType() != TensorType.F16 && p.baseType() != TensorType.BF16) {
                throw new WeightclassException("--type " + p + ": safetensors stores F32, F16 or BF16; quantized types "
                        + "need a GGUF model");
            }
            for (TensorInfo t : out) {
                TensorType ty = t.type();
                if (ty == TensorType.F32 || ty == TensorType.F16 || ty == TensorType.BF16) types.put(t.name(), p.baseType());
            }
            return types;
        }
        Hyperparameters h = in.hyperparameters().normalized();
        Object experts = in.metadata().get(h.architecture() + ".expert_count");
        QuantPlan.Model m = new QuantPlan.Model(h.architecture(), layersOut, h.heads(), h.kvHeads(),
                experts instanceof Number n ? n.intValue() : 0);
        QuantOptions q = QuantOptions.DEFAULT.withAllowRequantize(true);
        // Where llama-quantize would stop (rows that are not whole blocks of a legacy type), the
        // tensor is kept in F16 instead, as converters do, and the report says so.
        for (int tries = 0; ; tries++) {
            try {
                QuantPlan plan = QuantPlan.of(out, m, p, q);
                for (QuantPlan.Decision d : plan.decisions()) types.put(d.name(), d.to());
                return types;
            } catch (QuantPlan.ImpossibleException e) {
                if (tries > out.size()) throw e;
                warnings.add(e.tensor() + ": rows are not whole " + e.type() + " blocks; kept in F16");
                q = q.withOverride(new QuantOptions.Override(
                        java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(e.tensor())), TensorType.F16));
            }
        }
    }

    // ---- GGUF ----

    private static void writeGguf(GgufFile in, Path output, PruneOptions o, ActivationNorms norms, List<Item> items,
                                  int layersIn, int layersOut, ExecutorService pool, Map<String, PrunedTensor> stats,
                                  LongConsumer progress) throws IOException {
        List<GgufTensorSpec> specs = new ArrayList<>();
        for (Item it : items) specs.add(new GgufTensorSpec(it.outName, GgufTensorSpec.of(it.src).ne(), it.to));
        for (GgufTensorSpec s : specs) s.byteSize();
        Map<String, GgufValue> kv = ggufMetadata(in.kv(), in.hyperparameters().normalized().architecture(), layersIn,
                layersOut, o);
        GgufWriter.write(output, kv, specs, (index, spec, sink) -> {
            Item it = items.get(index);
            write(in, it, o, norms, pool, stats, sink::write, () -> sink.write(in.data(it.src)));
            if (progress != null) progress.accept(it.src.byteSize());
        });
    }

    /** The input's metadata with the block count (and per-block arrays) shrunk and, for --type, the file type. */
    static Map<String, GgufValue> ggufMetadata(Map<String, GgufValue> in, String arch, int layersIn, int layersOut,
                                               PruneOptions o) {
        Map<String, GgufValue> kv = new LinkedHashMap<>();
        String prefix = arch + ".";
        for (Map.Entry<String, GgufValue> e : in.entrySet()) {
            GgufValue v = e.getValue();
            if (e.getKey().equals(prefix + "block_count")) {
                v = sameType(v, layersOut);
            } else if (e.getKey().startsWith(prefix) && v.isArray() && v.size() == layersIn && !o.dropLayers().isEmpty()) {
                List<Object> keep = new ArrayList<>();
                List<?> l = (List<?>) v.value();
                for (int i = 0; i < l.size(); i++) if (!o.dropLayers().contains(i)) keep.add(l.get(i));
                v = GgufValue.array(v.elementType(), keep);
            }
            kv.put(e.getKey(), v);
        }
        return o.type() == null ? kv : GgufQuantizer.outputMetadata(kv, o.type().fileType());
    }

    private static GgufValue sameType(GgufValue old, int n) {
        return switch (old.type()) {
            case INT32 -> GgufValue.i32(n);
            case UINT64 -> GgufValue.u64(n);
            case INT64 -> GgufValue.i64(n);
            case UINT16 -> GgufValue.u16(n);
            default -> GgufValue.u32(n);
        };
    }

    // ---- safetensors ----

    private static void writeSafetensors(SafetensorsFile in, Path output, PruneOptions o, ActivationNorms norms,
                                         List<Item> items, int layersIn, int layersOut, ExecutorService pool,
                                         Map<String, PrunedTensor> stats, LongConsumer progress) throws IOException {
        Path inDir = in.path().toAbsolutePath().getParent();
        Path outDir = output.toAbsolutePath().getParent();
        boolean sameDir = inDir != null && outDir != null && Files.isDirectory(outDir) && Files.isSameFile(inDir, outDir);
        if (sameDir && !o.dropLayers().isEmpty() && in.config().isPresent()) {
            throw new WeightclassException(output + ": with --drop-layers the model needs its own config.json; "
                    + "write it to another folder than the input's");
        }
        List<SafetensorsWriter.Tensor> tensors = new ArrayList<>();
        for (Item it : items) {
            tensors.add(new SafetensorsWriter.Tensor(it.outName, it.to, it.src.shape(), ch -> {
                write(in, it, o, norms, pool, stats, b -> { while (b.hasRemaining()) ch.write(b); },
                        () -> SafetensorsWriter.TensorData.of(in.data(it.src)).writeTo(ch));
                if (progress != null) progress.accept(it.src.byteSize());
            }));
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (SafetensorsHeader h : in.headers()) h.metadata().forEach(metadata::putIfAbsent);
        SafetensorsWriter.write(output, tensors, metadata);
        if (!sameDir && in.config().isPresent()) {
            writeConfig(in.config().get(), outDir.resolve("config.json"), layersIn, layersOut, o);
            for (String f : List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                    "generation_config.json", "tokenizer.model")) {
                Path src = inDir.resolve(f);
                if (Files.isRegularFile(src)) {
                    byte[] bytes = Files.readAllBytes(src);
                    AtomicOutput.write(outDir.resolve(f), ch -> ch.write(ByteBuffer.wrap(bytes)));
                }
            }
        }
    }

    /** config.json with num_hidden_layers (and per-layer lists) shrunk, and the dtype of --type. */
    private static void writeConfig(HfConfig config, Path target, int layersIn, int layersOut, PruneOptions o)
            throws IOException {
        ObjectNode root = config.raw().deepCopy();
        shrink(root, layersIn, layersOut, o);
        if (root.get("text_config") instanceof ObjectNode text) shrink(text, layersIn, layersOut, o);
        if (o.type() != null) {
            root.put("torch_dtype", switch (o.type().baseType()) {
                case F32 -> "float32";
                case BF16 -> "bfloat16";
                default -> "float16";
            });
        }
        byte[] json = new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
        AtomicOutput.write(target, ch -> ch.write(ByteBuffer.wrap(json)));
    }

    private static void shrink(ObjectNode node, int layersIn, int layersOut, PruneOptions o) {
        if (node.has("num_hidden_layers")) node.put("num_hidden_layers", layersOut);
        if (o.dropLayers().isEmpty()) return;
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (e.getValue() instanceof ArrayNode a && a.size() == layersIn) {
                ArrayNode keep = node.arrayNode();
                for (int i = 0; i < a.size(); i++) if (!o.dropLayers().contains(i)) keep.add(a.get(i));
                e.setValue(keep);
            }
        }
    }

    // ---- shared ----

    @FunctionalInterface
    private interface Copy {
        void copy() throws IOException;
    }

    /** Copies a tensor that does not change, or runs its rows through the pipeline. */
    private static void write(ModelFile in, Item it, PruneOptions o, ActivationNorms norms, ExecutorService pool,
                              Map<String, PrunedTensor> stats, RowPipeline.Sink sink, Copy copy) throws IOException {
        boolean pruneIt = it.matrix && it.sparsity > 0;
        if (!it.matrix && it.to == it.src.type()) {
            copy.copy();
            return;
        }
        float[] n = pruneIt && o.method() == PruneMethod.WANDA ? norms.of(it.src.name()) : null;
        long[] outBytes = {0};
        RowPipeline.Counts c = RowPipeline.run(in.data(it.src), it.src, it.to, pruneIt ? it.sparsity : 0,
                o.pattern(), n, it.matrix, pool, o.threads(), b -> {
                    outBytes[0] += b.remaining();
                    sink.write(b);
                });
        if (it.matrix) {
            long cols = it.src.rowLength();
            stats.put(it.src.name(), new PrunedTensor(it.src.name(), it.outName, it.layer, it.src.elements() / cols, cols,
                    it.src.type(), it.to, it.sparsity, c.pruned(), c.zerosStored(), it.src.byteSize(), outBytes[0],
                    c.zstdIn(), c.zstdOut()));
        }
    }

    private static void checkOutputName(Path output, boolean gguf) {
        String name = output.getFileName() == null ? "" : output.getFileName().toString().toLowerCase(Locale.ROOT);
        String want = gguf ? ".gguf" : ".safetensors";
        if (name.endsWith(".gguf") || name.endsWith(".safetensors")) {
            if (!name.endsWith(want)) {
                throw new WeightclassException(output + ": a " + (gguf ? "GGUF" : "safetensors") + " model is written as "
                        + want + " (quantize or convert separately to change the format)");
            }
        }
    }

    private static boolean same(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

}
