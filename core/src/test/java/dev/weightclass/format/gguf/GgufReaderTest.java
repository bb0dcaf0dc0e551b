package dev.weightclass.format.gguf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weightclass.SharedData;
import dev.weightclass.format.FormatException;
import dev.weightclass.format.Hyperparameters;
import dev.weightclass.format.ModelFile;
import dev.weightclass.format.TokenizerInfo;
import dev.weightclass.size.ModelInspection;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorRole;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The reader against real files: the aidreams260K model, llama.cpp vocab headers, the golden set. */
class GgufReaderTest {

    @ParameterizedTest
    @ValueSource(strings = {"f32", "f16", "bf16", "q8_0", "q4_0"})
    void aidreamsInEveryEncoding(String variant) throws Exception {
        Path p = SharedData.data("aidreams260K/aidreams260K-" + variant + ".gguf");
        try (ModelFile m = ModelFile.open(p)) {
            assertThat(m).isInstanceOf(GgufFile.class);
            ModelInspection in = ModelInspection.of(m);
            assertThat(in.parameters()).isEqualTo(230_976);
            assertThat(in.sizeClass()).isEqualTo("231K");
            Hyperparameters h = m.hyperparameters();
            assertThat(h.architecture()).isEqualTo("llama");
            assertThat(h.layers()).isEqualTo(4);
            assertThat(h.embeddingWidth()).isEqualTo(64);
            assertThat(h.ffnWidth()).isEqualTo(172);
            assertThat(h.heads()).isEqualTo(4);
            assertThat(h.kvHeads()).isEqualTo(4);
            assertThat(h.headDim()).isEqualTo(16);
            assertThat(h.vocabSize()).isEqualTo(512);
            assertThat(h.contextLength()).isEqualTo(128);
            assertThat(h.tiedEmbeddings()).isTrue();
            assertThat(m.tensors()).hasSize(38);
            assertThat(in.parametersByLayer()).containsOnlyKeys(0, 1, 2, 3);
            TensorInfo embd = m.tensor("token_embd.weight").orElseThrow();
            assertThat(embd.shape()).containsExactly(512, 64); // ggml ne [64, 512] reversed
            assertThat(embd.role()).isEqualTo(TensorRole.EMBEDDING);
            TensorInfo down = m.tensor("blk.2.ffn_down.weight").orElseThrow();
            assertThat(down.shape()).containsExactly(64, 172);
            assertThat(down.layer()).isEqualTo(2);
            assertThat(down.role()).isEqualTo(TensorRole.FFN);
            TokenizerInfo tok = m.tokenizer().orElseThrow();
            assertThat(tok.kind()).isEqualTo("llama");
            assertThat(tok.vocabSize()).isEqualTo(512);
            GgufFile g = (GgufFile) m;
            assertThat(g.version()).isEqualTo(3);
            assertThat(g.alignment()).isEqualTo(32);
            assertThat(g.dataOffset(0) % 32).isZero();
            assertThat(m.metadata().get("general.architecture")).isEqualTo("llama");
            assertThat((List<?>) m.metadata().get("tokenizer.ggml.tokens")).hasSize(512);
        }
    }

    @ParameterizedTest
    @CsvSource({
            "llama-spm, llama, 32000, 0",
            "phi-3, llama, 32064, 0",
            "gpt-2, gpt2, 50257, 50000",
            "bert-bge, bert, 30522, 0"})
    void vocabOnlyHeaders(String name, String kind, int vocab, int merges) throws Exception {
        Path p = SharedData.data("llamacpp-vocab/ggml-vocab-" + name + ".gguf");
        try (GgufFile m = GgufFile.open(p)) {
            assertThat(m.tensors()).isEmpty();
            TokenizerInfo t = m.tokenizer().orElseThrow();
            assertThat(t.kind()).isEqualTo(kind);
            assertThat(t.vocabSize()).isEqualTo(vocab);
            assertThat(t.merges()).isEqualTo(merges);
            // The tokenizer keys are most of a vocab-only header; they cannot exceed it.
            assertThat(t.bytes()).isGreaterThan(m.fileBytes() / 2).isLessThanOrEqualTo(m.fileBytes());
            assertThat(m.hyperparameters().vocabSize()).isEqualTo(vocab);
            assertThat(m.kv().get("tokenizer.ggml.tokens").elementType()).isEqualTo(GgufValueType.STRING);
        }
    }

    @Test
    void draftMagicIsRejected() {
        Path p = SharedData.data("llamacpp-vocab/synthetic/example.gguf");
        assertThatThrownBy(() -> ModelFile.open(p))
                .isInstanceOf(FormatException.class)
                .hasMessageContaining(p.toString())
                .hasMessageContaining("magic").hasMessageContaining("byte 0").hasMessageContaining("FUGG");
    }

    @Test
    void undefinedValueTypeIsRejected() {
        Path p = SharedData.data("llamacpp-vocab/synthetic/test_writer.gguf");
        assertThatThrownBy(() -> ModelFile.open(p))
                .isInstanceOf(FormatException.class)
                .hasMessageContaining(p.toString())
                .hasMessageContaining("'dict1' value type").hasMessageContaining("at byte 204")
                .hasMessageContaining("unknown value type 13");
    }

    static Stream<String> goldenFiles() throws Exception {
        return manifest().properties().stream().map(Map.Entry::getKey);
    }

    static JsonNode manifest() throws Exception {
        return new ObjectMapper().readTree(SharedData.golden("tensor-manifest.json").toFile());
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("goldenFiles")
    void goldenFilesMatchTheManifest(String name) throws Exception {
        JsonNode f = manifest().get(name);
        Path p = SharedData.golden(name);
        try (GgufFile m = GgufFile.open(p)) {
            assertThat(m.fileBytes()).isEqualTo(f.get("bytes").asLong());
            assertThat(m.alignment()).isEqualTo(f.get("alignment").asInt());
            assertThat(m.kv().get("general.file_type").asLong()).isEqualTo(f.get("general.file_type").asLong());
            JsonNode ts = f.get("tensors");
            assertThat(m.tensors()).hasSize(ts.size()).hasSize(f.get("n_tensors").asInt());
            // sha256 of tensor data for a few files (all of synth-a f32 and one k-quant mixture)
            boolean hashes = name.equals("synth-a.Q3_K_M.gguf") || name.equals("aidreams260K.Q4_K_M.llamacpp.gguf")
                    || name.equals("synth-a-f16.gguf");
            for (int i = 0; i < ts.size(); i++) {
                JsonNode e = ts.get(i);
                TensorInfo t = m.tensors().get(i);
                GgufTensorSpec s = m.tensorSpecs().get(i);
                assertThat(t.name()).isEqualTo(e.get("name").asText());
                assertThat(t.type().name()).isEqualTo(e.get("type").asText());
                long[] ne = new long[e.get("ne").size()];
                for (int d = 0; d < ne.length; d++) ne[d] = e.get("ne").get(d).asLong();
                assertThat(s.ne()).containsExactly(ne);
                assertThat(t.shape()).containsExactly(GgufTensorSpec.reverse(ne));
                assertThat(t.byteSize()).isEqualTo(e.get("n_bytes").asLong()).isEqualTo(s.byteSize());
                // The manifest's data_offset is the absolute file offset (the first tensor sits right after the header).
                assertThat(t.offset()).isEqualTo(e.get("data_offset").asLong());
                assertThat(m.relativeOffset(t)).isEqualTo(t.offset() - m.dataOffset(0));
                if (hashes) assertThat(sha256(m.data(t))).as(t.name()).isEqualTo(e.get("sha256").asText());
            }
        }
    }

    static String sha256(MemorySegment s) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update(s.asByteBuffer());
        return HexFormat.of().formatHex(md.digest());
    }

    @Test
    void tensorDataIsTheMappedBytes() throws Exception {
        Path p = SharedData.data("aidreams260K/aidreams260K-f32.gguf");
        try (GgufFile m = GgufFile.open(p)) {
            TensorInfo norm = m.tensor("output_norm.weight").orElseThrow();
            MemorySegment d = m.data(norm);
            byte[] raw = Files.readAllBytes(p);
            float fromFile = java.nio.ByteBuffer.wrap(raw, (int) norm.offset(), 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).getFloat();
            assertThat(d.get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 0)).isEqualTo(fromFile);
            assertThat(d.byteSize()).isEqualTo(64 * 4);
        }
    }
}
