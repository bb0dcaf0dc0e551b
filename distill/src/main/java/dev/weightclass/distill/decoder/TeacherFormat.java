package dev.weightclass.distill.decoder;

import dev.weightclass.WeightclassException;
import dev.weightclass.format.ModelFile;
import dev.weightclass.format.gguf.GgufFile;
import dev.weightclass.format.gguf.GgufValue;
import dev.weightclass.quant.HfTokenizers;
import dev.weightclass.quant.QuantSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a decoder teacher's metadata and tokenizer come from, per format family, and which family
 * the student is written in: a GGUF teacher and a llama2.c checkpoint give a GGUF student (the
 * llama2.c header has no place for a tokenizer or a name), a Hugging Face safetensors teacher a
 * safetensors folder with config.json and tokenizer.json. The tokenizer is kept as GGUF
 * {@code tokenizer.ggml.*} keys for every family (core's converters make them), so the vocabulary
 * can be reduced one way for all.
 *
 * @param kv            GGUF metadata of the teacher (converted for llama2.c and safetensors)
 * @param tokenizerKeys the {@code tokenizer.*} part of it
 * @param hf            true when the student is written as safetensors + config.json
 * @param hfTokenizer   the teacher folder's tokenizer files may be copied (a safetensors teacher
 *                      whose tokenizer came from its own folder)
 */
record TeacherFormat(Map<String, GgufValue> kv, Map<String, GgufValue> tokenizerKeys, boolean hf, boolean hfTokenizer) {

    /**
     * @param tokenizer {@code --tokenizer}: a GGUF, llama2.c tokenizer.bin or tokenizer.json to use
     *                  instead of the teacher's own, or null
     */
    static TeacherFormat of(ModelFile teacher, Path tokenizer, int vocabSize) throws IOException {
        Map<String, GgufValue> kv;
        boolean hf = false, hfTokenizer = false;
        switch (teacher.format()) {
            case GGUF -> kv = new LinkedHashMap<>(((GgufFile) teacher).kv());
            case LLAMA2C -> {
                List<String> warnings = new ArrayList<>();
                try (QuantSource s = QuantSource.open(teacher.path(), null, warnings::add)) {
                    kv = new LinkedHashMap<>(s.kv());
                }
            }
            case SAFETENSORS -> {
                hf = true;
                kv = new LinkedHashMap<>();
                if (tokenizer == null) {
                    Path dir = teacher.files().getFirst().toAbsolutePath().getParent();
                    Map<String, GgufValue> keys = HfTokenizers.ggufKeys(dir, vocabSize, w -> { });
                    if (keys == null) {
                        throw new WeightclassException(teacher.path() + ": no tokenizer (tokenizer.json or tokenizer.model) "
                                + "beside the teacher; give one with --tokenizer FILE");
                    }
                    kv.putAll(keys);
                    hfTokenizer = true;
                }
            }
            default -> throw new WeightclassException(teacher.path() + ": decoder teachers are GGUF, safetensors + "
                    + "config.json or llama2.c checkpoints, not " + teacher.format().id());
        }
        if (tokenizer != null) {
            kv.keySet().removeIf(k -> k.startsWith("tokenizer."));
            kv.putAll(fromFile(tokenizer, vocabSize));
        }
        Map<String, GgufValue> tok = new LinkedHashMap<>();
        kv.forEach((k, v) -> { if (k.startsWith("tokenizer.")) tok.put(k, v); });
        if (!tok.containsKey("tokenizer.ggml.tokens")) {
            throw new WeightclassException(teacher.path() + ": the teacher has no tokenizer; give one with --tokenizer FILE");
        }
        return new TeacherFormat(kv, tok, hf, hfTokenizer);
    }

    private static Map<String, GgufValue> fromFile(Path file, int vocabSize) throws IOException {
        if (!Files.isRegularFile(file)) throw new WeightclassException("--tokenizer " + file + ": no such file");
        if (file.getFileName().toString().endsWith(".json")) {
            List<String> why = new ArrayList<>();
            Map<String, GgufValue> keys = HfTokenizers.fromTokenizerJson(file, vocabSize, why::add);
            if (keys == null) throw new WeightclassException(why.isEmpty() ? "--tokenizer " + file + ": not supported" : why.getFirst());
            return keys;
        }
        return HfTokenizers.fromFile(file, vocabSize);
    }
}
