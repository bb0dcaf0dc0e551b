package dev.weightclass.distill.encoder;

import ai.djl.ndarray.NDArray;
import dev.weightclass.format.AtomicOutput;
import dev.weightclass.format.safetensors.SafetensorsWriter;
import dev.weightclass.runtime.bert.BertTensors;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link DjlBert} as a Hugging Face BertModel that every weightclass command reads as a
 * normal model: the weights (float32 safetensors), {@code config.json} and the teacher's tokenizer
 * files beside them (the student keeps the teacher's vocabulary). Each file is written atomically.
 */
public final class EncoderExport {
    private EncoderExport() {}

    /** Tokenizer files copied from beside the teacher when present. */
    static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "vocab.txt", "tokenizer_config.json",
            "special_tokens_map.json");

    /**
     * @param out     a folder (created; the weights go in {@code model.safetensors}) or a
     *                {@code .safetensors} file (config and tokenizer beside it)
     * @param teacher the teacher's file or folder, where the tokenizer files are found
     */
    public static void write(DjlBert model, Path out, Path teacher) throws IOException {
        boolean file = out.getFileName().toString().endsWith(".safetensors");
        Path dir = file ? out.toAbsolutePath().getParent() : out;
        Files.createDirectories(dir);
        List<SafetensorsWriter.Tensor> tensors = new ArrayList<>();
        for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
            NDArray a = e.getValue();
            tensors.add(SafetensorsWriter.Tensor.f32(e.getKey(), a::toFloatArray, a.getShape().getShape()));
        }
        SafetensorsWriter.write(file ? out : dir.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
        AtomicOutput.write(dir.resolve("config.json"), BertTensors.configJson(model.config()).getBytes(StandardCharsets.UTF_8));
        Path from = Files.isDirectory(teacher) ? teacher : teacher.toAbsolutePath().getParent();
        for (String name : TOKENIZER_FILES) {
            Path f = from.resolve(name);
            if (Files.isRegularFile(f) && !f.toAbsolutePath().normalize().equals(dir.resolve(name).toAbsolutePath().normalize())) {
                AtomicOutput.write(dir.resolve(name), Files.readAllBytes(f));
            }
        }
    }
}
