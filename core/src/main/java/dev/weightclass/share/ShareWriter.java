package dev.weightclass.share;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weightclass.WeightclassException;
import dev.weightclass.format.AtomicOutput;
import dev.weightclass.format.ModelFile;
import dev.weightclass.format.ModelFormat;
import dev.weightclass.format.gguf.GgufFile;
import dev.weightclass.format.gguf.GgufTensorSpec;
import dev.weightclass.format.gguf.GgufValue;
import dev.weightclass.format.gguf.GgufWriter;
import dev.weightclass.format.safetensors.SafetensorsFile;
import dev.weightclass.format.safetensors.SafetensorsWriter;
import dev.weightclass.tensor.TensorType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link SharedModel} in its source's container: GGUF stays GGUF (the extra metadata as
 * string key/values, index tensors as I8, which ggml has in place of U8), safetensors stays
 * safetensors (extra metadata in {@code __metadata__}; config.json and the tokenizer files are
 * copied beside the output, with {@code tie_word_embeddings} set when the classifier was tied).
 */
public final class ShareWriter {
    private ShareWriter() {}

    /** Files a Hugging Face model folder carries beside its weights. */
    private static final List<String> SIDE_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "generation_config.json", "tokenizer.model");

    public static void write(SharedModel model, Path target) throws IOException {
        ModelFile src = model.source();
        for (Path f : src.files()) {
            if (Files.exists(target) && Files.isSameFile(f, target)) {
                throw new WeightclassException(target + ": would overwrite the model being read");
            }
        }
        if (src.format() == ModelFormat.GGUF) writeGguf(model, (GgufFile) src, target);
        else writeSafetensors(model, src, target);
    }

    private static void writeGguf(SharedModel model, GgufFile src, Path target) throws IOException {
        Map<String, GgufValue> kv = new LinkedHashMap<>(src.kv());
        kv.keySet().removeAll(model.droppedMetadata());
        model.metadata().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> kv.put(e.getKey(), GgufValue.string(e.getValue())));
        List<SharedModel.Tensor> ts = model.tensors();
        List<GgufTensorSpec> specs = new ArrayList<>();
        for (SharedModel.Tensor t : ts) {
            TensorType type = t.type() == TensorType.U8 ? TensorType.I8 : t.type();
            specs.add(new GgufTensorSpec(t.name(), reverse(t.shape()), type));
        }
        GgufWriter.write(target, src.version(), kv, specs, (index, spec, sink) -> sink.write(ts.get(index).bytes().get()));
    }

    private static void writeSafetensors(SharedModel model, ModelFile src, Path target) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        if (src instanceof SafetensorsFile s && !s.headers().isEmpty()) meta.putAll(s.headers().getFirst().metadata());
        meta.keySet().removeAll(model.droppedMetadata());
        model.metadata().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> meta.put(e.getKey(), e.getValue()));
        List<SafetensorsWriter.Tensor> out = new ArrayList<>();
        for (SharedModel.Tensor t : model.tensors()) {
            out.add(new SafetensorsWriter.Tensor(t.name(), t.type(), t.shape(),
                    ch -> SafetensorsWriter.TensorData.of(t.bytes().get()).writeTo(ch)));
        }
        SafetensorsWriter.write(target, out, meta);
        copySideFiles(model, src, target);
    }

    /** config.json (edited when tied) and tokenizer files from the source folder into the output's folder. */
    private static void copySideFiles(SharedModel model, ModelFile src, Path target) throws IOException {
        Path from = src.files().getFirst().toAbsolutePath().getParent();
        Path to = target.toAbsolutePath().getParent();
        if (from == null || to == null) return;
        Path config = from.resolve("config.json");
        if (Files.isRegularFile(config)) {
            byte[] bytes = Files.readAllBytes(config);
            if (model.tieWordEmbeddings) {
                ObjectMapper json = new ObjectMapper();
                ObjectNode c = (ObjectNode) json.readTree(bytes);
                c.put("tie_word_embeddings", true);
                bytes = json.writerWithDefaultPrettyPrinter().writeValueAsBytes(c);
            }
            place(to.resolve("config.json"), bytes, Files.isSameFile(from, to));
        }
        if (Files.isSameFile(from, to)) return;
        for (String name : SIDE_FILES) {
            Path f = from.resolve(name);
            if (Files.isRegularFile(f)) place(to.resolve(name), Files.readAllBytes(f), false);
        }
    }

    /** Writes a side file, refusing to replace a different one that is already there. */
    private static void place(Path target, byte[] bytes, boolean sameFolder) throws IOException {
        if (Files.isRegularFile(target)) {
            if (Arrays.equals(Files.readAllBytes(target), bytes)) return;
            throw new WeightclassException(target + (sameFolder
                    ? ": the output shares the source's folder, whose config.json would have to change; write to another folder"
                    : ": already exists with other content; write the output to another folder"));
        }
        AtomicOutput.write(target, ch -> {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) ch.write(b);
        });
    }

    private static long[] reverse(long[] a) {
        long[] r = new long[a.length];
        for (int i = 0; i < a.length; i++) r[i] = a[a.length - 1 - i];
        return r;
    }
}
