package dev.weightclass.cli;

import dev.weightclass.SharedData;
import dev.weightclass.format.gguf.GgufFile;
import dev.weightclass.format.gguf.GgufValue;
import dev.weightclass.tensor.TensorInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Converting aidreams260K from its llama2.c checkpoint and its Hugging Face safetensors folder:
 * the tensor data must equal the GGUF files made from the same model (F32) and llama-quantize's
 * outputs (Q8_0, Q4_0, with the recipes of ../shared/golden/README.md).
 */
class QuantizeConvertTest {

    static Path bin() { return SharedData.data("aidreams260K/aidreams260K.bin"); }

    static Path hf() { return SharedData.data("aidreams260K/hf"); }

    /** Every tensor of {@code want} is in {@code got} with the same type, shape and bytes; nothing extra. */
    static void sameTensors(Path got, Path want) throws IOException {
        try (GgufFile g = GgufFile.open(got); GgufFile w = GgufFile.open(want)) {
            List<String> problems = new ArrayList<>();
            assertThat(g.tensors()).hasSameSizeAs(w.tensors());
            for (TensorInfo t : w.tensors()) {
                TensorInfo o = g.tensor(t.name()).orElse(null);
                if (o == null) { problems.add(t.name() + " missing"); continue; }
                if (o.type() != t.type() || !java.util.Arrays.equals(o.shape(), t.shape())) {
                    problems.add(t.name() + ": " + o.type() + " " + java.util.Arrays.toString(o.shape()) + " vs " + t);
                } else if (g.data(o).mismatch(w.data(t)) != -1) {
                    problems.add(t.name() + ": data differs");
                }
            }
            assertThat(problems).isEmpty();
        }
    }

    static void sameTokenizer(Path got, Path want) throws IOException {
        try (GgufFile g = GgufFile.open(got); GgufFile w = GgufFile.open(want)) {
            for (Map.Entry<String, GgufValue> e : w.kv().entrySet()) {
                if (!e.getKey().startsWith("tokenizer.")) continue;
                assertThat(g.kv().get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
            }
            for (String k : List.of("llama.embedding_length", "llama.block_count", "llama.feed_forward_length",
                    "llama.attention.head_count", "llama.attention.head_count_kv", "llama.rope.dimension_count",
                    "llama.context_length", "llama.attention.layer_norm_rms_epsilon", "llama.rope.freq_base")) {
                assertThat(g.kv().get(k)).as(k).isEqualTo(w.kv().get(k));
            }
        }
    }

    @Test
    void llama2cCheckpointToF32EqualsTheGgufOfTheSameModel(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("a.gguf");
        QuantizeCommandTest.Run r = QuantizeCommandTest.run("quantize", bin().toString(), "-o", out.toString(), "--type", "f32");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).isEmpty();
        Path golden = SharedData.data("aidreams260K/aidreams260K-f32.gguf");
        sameTensors(out, golden);
        sameTokenizer(out, golden);
    }

    @Test
    void huggingFaceFolderWithoutTokenizerWarnsOnceAndWritesNone(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("h.gguf");
        QuantizeCommandTest.Run r = QuantizeCommandTest.run("quantize", hf().toString(), "-o", out.toString(), "--type", "F32");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err().lines().toList()).singleElement().asString().startsWith("warning: ").contains("without a tokenizer");
        sameTensors(out, SharedData.data("aidreams260K/aidreams260K-f32.gguf"));
        try (GgufFile g = GgufFile.open(out)) {
            assertThat(g.kv().keySet()).noneMatch(k -> k.startsWith("tokenizer."));
            assertThat(g.kv().get("general.architecture").asString()).isEqualTo("llama");
        }
    }

    @Test
    void huggingFaceFolderTakesTheTokenizerFromVocab(@TempDir Path dir) throws IOException {
        Path golden = SharedData.data("aidreams260K/aidreams260K-f32.gguf");
        for (Path vocab : List.of(SharedData.data("aidreams260K/tok512.bin"), golden)) {
            Path out = dir.resolve("v.gguf");
            QuantizeCommandTest.Run r = QuantizeCommandTest.run("quantize", hf().toString(), "-o", out.toString(),
                    "--type", "f32", "--vocab", vocab.toString());
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.err()).isEmpty();
            sameTensors(out, golden);
            sameTokenizer(out, golden);
        }
    }

    /** The golden files' recipes: ffn_down (rows of 172) kept F16, the rest as llama-quantize chose. */
    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource({
            "bin, q8_0, , aidreams260K.Q8_0.llamacpp.gguf",
            "bin, q4_0, , aidreams260K.Q4_0.llamacpp.gguf",
            "bin, q4_0, --pure, aidreams260K.Q4_0.pure.llamacpp.gguf",
            "hf, q8_0, , aidreams260K.Q8_0.llamacpp.gguf",
            "hf, q4_0, , aidreams260K.Q4_0.llamacpp.gguf",
            "hf, q4_0, --pure, aidreams260K.Q4_0.pure.llamacpp.gguf",
            "hf, q4_k_m, , aidreams260K.Q4_K_M.llamacpp.gguf",
    })
    void convertedAndQuantizedEqualsLlamaQuantize(String input, String type, String pure, String golden,
                                                  @TempDir Path dir) throws IOException {
        Path out = dir.resolve("q.gguf");
        List<String> args = new ArrayList<>(List.of("quantize", (input.equals("bin") ? bin() : hf()).toString(),
                "-o", out.toString(), "--type", type, "--vocab", SharedData.data("aidreams260K/tok512.bin").toString()));
        if (!type.equals("q4_k_m")) args.addAll(List.of("--tensor-type", "ffn_down=f16"));
        if (pure != null) args.add(pure);
        QuantizeCommandTest.Run r = QuantizeCommandTest.run(args.toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
        sameTensors(out, SharedData.golden(golden));
    }

    @Test
    void outputOverAnInputFileOfAFolderIsRefused(@TempDir Path dir) throws IOException {
        java.nio.file.Files.createSymbolicLink(dir.resolve("model.safetensors"), hf().resolve("model.safetensors").toAbsolutePath());
        java.nio.file.Files.createSymbolicLink(dir.resolve("config.json"), hf().resolve("config.json").toAbsolutePath());
        QuantizeCommandTest.Run r = QuantizeCommandTest.run("quantize", dir.toString(), "-o",
                dir.resolve("model.safetensors").toString(), "--type", "f32");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().lines().toList()).last().asString().contains("overwrite the input file");
        assertThat(java.nio.file.Files.isSymbolicLink(dir.resolve("model.safetensors"))).isTrue();
    }
}
