package dev.weightclass.quant;

import dev.weightclass.format.gguf.GgufValue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The tokenizer of a Hugging Face model folder as GGUF {@code tokenizer.ggml.*} keys, found as
 * llama.cpp's converter looks for it: a SentencePiece {@code tokenizer.model}, else a BPE
 * {@code tokenizer.json} (with byte fallback: tokenizer model "llama"; byte-level: "gpt2").
 * The runtime's tokenizers read these keys, so a safetensors llama tokenizes as its GGUF does.
 */
public final class HfTokenizers {
    private HfTokenizers() {}

    /**
     * @param dir       the model folder
     * @param vocabSize the model's vocabulary (embedding rows), 0 when unknown
     * @return the keys, or null (after one line to {@code warn}) when the folder has no tokenizer
     *         this converter knows
     */
    public static Map<String, GgufValue> ggufKeys(Path dir, int vocabSize, Consumer<String> warn) throws IOException {
        Path spm = dir.resolve("tokenizer.model");
        if (Files.isRegularFile(spm)) return GgufVocab.fromSentencePiece(spm, vocabSize);
        if (Files.isRegularFile(dir.resolve("tokenizer.json"))) return HfTokenizerVocab.read(dir, vocabSize, warn);
        warn.accept(dir + ": no tokenizer.model or tokenizer.json");
        return null;
    }

    /** A BPE {@code tokenizer.json} (any name; tokenizer_config.json and config.json beside it) as GGUF keys, or null. */
    public static Map<String, GgufValue> fromTokenizerJson(Path file, int vocabSize, Consumer<String> warn) throws IOException {
        return HfTokenizerVocab.readFile(file, vocabSize, warn);
    }

    /** A tokenizer file as GGUF keys: a GGUF (its tokenizer keys) or a llama2.c tokenizer.bin. */
    public static Map<String, GgufValue> fromFile(Path file, int vocabSize) throws IOException {
        return GgufVocab.fromFile(file, vocabSize);
    }
}
