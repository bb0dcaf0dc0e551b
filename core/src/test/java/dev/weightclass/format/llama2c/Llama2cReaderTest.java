package dev.weightclass.format.llama2c;

import dev.weightclass.SharedData;
import dev.weightclass.cli.Main;
import dev.weightclass.format.FormatException;
import dev.weightclass.format.Hyperparameters;
import dev.weightclass.format.ModelFile;
import dev.weightclass.format.ModelFormat;
import dev.weightclass.size.ModelInspection;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorRole;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class Llama2cReaderTest {
    @TempDir
    Path dir;

    @Test
    void aidreamsCheckpointWithItsTokenizer() throws IOException {
        try (ModelFile m = ModelFile.open(SharedData.data("aidreams260K/aidreams260K.bin"))) {
            assertThat(m.format()).isEqualTo(ModelFormat.LLAMA2C);
            ModelInspection info = ModelInspection.of(m);
            assertThat(info.parameters()).isEqualTo(230_976);
            assertThat(info.sizeClass()).isEqualTo("231K");
            assertThat(m.hyperparameters()).isEqualTo(new Hyperparameters("llama", 4, 64, 4, 4, 16, 172, 512, 128, true));
            assertThat(m.tensor("wcls")).isEmpty();
            assertThat(m.tokenizer()).hasValueSatisfying(t -> {
                assertThat(t.kind()).isEqualTo("llama2c");
                assertThat(t.vocabSize()).isEqualTo(512);
                assertThat(t.bytes()).isEqualTo(6290);
            });
            // 4 layers x 2 norms of 64 + the final norm
            assertThat(info.parametersByRole()).containsEntry("norm", 576L).containsEntry("embedding", 32_768L);
            TensorInfo w2 = m.tensor("layers.3.w2").orElseThrow();
            assertThat(w2.shape()).containsExactly(64, 172);
            assertThat(w2.role()).isEqualTo(TensorRole.FFN);
            assertThat(w2.layer()).isEqualTo(3);
            assertThat(m.tensor("layers.1.rms_att_weight").orElseThrow().role()).isEqualTo(TensorRole.NORM);
            assertThat(m.tensor("layers.1.wk").orElseThrow().role()).isEqualTo(TensorRole.ATTENTION);
        }
    }

    @Test
    void weightsEqualTheHuggingFaceExportOfTheSameModel() throws IOException {
        // q/k are permuted for rotate-half RoPE in the HF file; the other arrays are the same bytes.
        try (ModelFile bin = ModelFile.open(SharedData.data("aidreams260K/aidreams260K.bin"));
             ModelFile hf = ModelFile.open(SharedData.data("aidreams260K/hf"))) {
            String[][] same = {
                    {"token_embedding_table", "model.embed_tokens.weight"},
                    {"layers.2.w1", "model.layers.2.mlp.gate_proj.weight"},
                    {"layers.2.w2", "model.layers.2.mlp.down_proj.weight"},
                    {"layers.0.wv", "model.layers.0.self_attn.v_proj.weight"},
                    {"layers.3.rms_ffn_weight", "model.layers.3.post_attention_layernorm.weight"},
                    {"rms_final_weight", "model.norm.weight"}};
            for (String[] p : same) {
                TensorInfo a = bin.tensor(p[0]).orElseThrow(), b = hf.tensor(p[1]).orElseThrow();
                assertThat(a.shape()).as(p[0]).isEqualTo(b.shape());
                assertThat(bin.data(a).mismatch(hf.data(b))).as(p[0]).isEqualTo(-1L);
            }
            assertThat(bin.hyperparameters()).isEqualTo(hf.hyperparameters());
        }
    }

    @Test
    void stories260kHasGroupedQueryAttention() throws IOException {
        try (ModelFile m = ModelFile.open(SharedData.data("stories260K/stories260K.bin"))) {
            assertThat(ModelInspection.of(m).parameters()).isEqualTo(260_032);
            Hyperparameters h = m.hyperparameters();
            assertThat(h.layers()).isEqualTo(5);
            assertThat(h.heads()).isEqualTo(8);
            assertThat(h.kvHeads()).isEqualTo(4);
            assertThat(h.tiedEmbeddings()).isTrue();
            assertThat(m.tensor("layers.4.wk").orElseThrow().shape()).containsExactly(32, 64);
            assertThat(m.tokenizer()).isEmpty();
            assertThat(m.tensors()).hasSize(1 + 5 * 9 + 1);
        }
    }

    @Test
    void tokenizerPieces() throws IOException {
        Llama2cTokenizer t = Llama2cTokenizer.read(SharedData.data("aidreams260K/tok512.bin"));
        assertThat(t.size()).isEqualTo(512);
        assertThat(t.maxTokenLength()).isEqualTo(10);
        // byte-fallback pieces occupy ids 3..258
        assertThat(new String(t.piece(3), StandardCharsets.UTF_8)).isEqualTo("<0x00>");
        assertThat(new String(t.piece(258), StandardCharsets.UTF_8)).isEqualTo("<0xFF>");
        for (int i = 0; i < t.size(); i++) assertThat(t.piece(i).length).isLessThanOrEqualTo(t.maxTokenLength());
    }

    @Test
    void onlyATokenizerOfTheModelsVocabularyIsPickedUp() throws IOException {
        Path ckpt = dir.resolve("stories260K.bin");
        Files.copy(SharedData.data("stories260K/stories260K.bin"), ckpt);
        ByteBuffer small = ByteBuffer.allocate(4 + 3 * 9).order(ByteOrder.LITTLE_ENDIAN).putInt(1);
        for (int i = 0; i < 3; i++) small.putFloat(0f).putInt(1).put((byte) ('a' + i));
        Files.write(dir.resolve("tok3.bin"), small.array());
        try (ModelFile m = ModelFile.open(ckpt)) {
            assertThat(m.tokenizer()).isEmpty(); // 3 tokens: another model's
        }
        assertThat(Llama2cTokenizer.read(dir.resolve("tok3.bin")).size()).isEqualTo(3);
        assertThatThrownBy(() -> Llama2cTokenizer.read(dir.resolve("tok3.bin"), 2)).isInstanceOf(FormatException.class)
                .hasMessageContaining("more than 2 tokens");
        Files.copy(SharedData.data("aidreams260K/tok512.bin"), dir.resolve("tokenizer.bin"));
        try (ModelFile m = ModelFile.open(ckpt)) {
            assertThat(m.tokenizer()).hasValueSatisfying(t -> assertThat(t.vocabSize()).isEqualTo(512));
            assertThat(m.metadata()).containsEntry("llama2c.tokenizer", "tokenizer.bin");
        }
    }

    @Test
    void otherFormatsAreNotTaken() throws IOException {
        Llama2cReader r = new Llama2cReader();
        Path tok = SharedData.data("aidreams260K/tok512.bin");
        assertThat(r.accepts(tok, head(tok))).isFalse();
        for (String other : new String[] {"aidreams260K/aidreams260K-f32.gguf", "aidreams260K/hf/model.safetensors",
                "aidreams260K/aidreams260K.onnx"}) {
            Path copy = dir.resolve(Path.of(other).getFileName() + ".bin");
            Files.copy(SharedData.data(other), copy);
            assertThat(r.accepts(copy, head(copy))).as(other).isFalse();
        }
        Path ckpt = SharedData.data("aidreams260K/aidreams260K.bin");
        assertThat(r.accepts(ckpt, head(ckpt))).isTrue();
    }

    @Test
    void truncatedCheckpointNamesTheCutTensor() throws IOException {
        byte[] all = Files.readAllBytes(SharedData.data("aidreams260K/aidreams260K.bin"));
        Path cut = dir.resolve("cut.bin");
        Files.write(cut, Arrays.copyOf(all, 500_000));
        assertThatThrownBy(() -> ModelFile.open(cut)).isInstanceOf(FormatException.class)
                .hasMessageContaining("cut.bin at byte ")
                .hasMessageContaining("truncated llama2.c checkpoint")
                .hasMessageContaining("implies 932124 bytes but the file has 500000")
                .satisfies(e -> {
                    FormatException f = (FormatException) e;
                    assertThat(f.field()).matches("layers\\.\\d\\.w\\d");
                    assertThat(f.offset()).isLessThan(500_000).isGreaterThan(28);
                });
        assertCliFails(cut, "truncated");
    }

    @Test
    void wrongClassifierSignIsExplained() throws IOException {
        byte[] all = Files.readAllBytes(SharedData.data("aidreams260K/aidreams260K.bin"));
        ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).putInt(20, -512);
        Path p = dir.resolve("signed.bin");
        Files.write(p, all);
        assertThatThrownBy(() -> ModelFile.open(p)).isInstanceOf(FormatException.class)
                .hasMessageContaining("(wcls)").hasMessageContaining("sign of vocab_size is wrong");
        byte[] longer = Arrays.copyOf(Files.readAllBytes(SharedData.data("aidreams260K/aidreams260K.bin")), 932_124 + 4);
        Path extra = dir.resolve("extra.bin");
        Files.write(extra, longer);
        assertThatThrownBy(() -> ModelFile.open(extra)).isInstanceOf(FormatException.class)
                .hasMessageContaining("at byte 932124").hasMessageContaining("4 bytes too many");
    }

    @Test
    void implausibleHeaderNamesTheField() throws IOException {
        Path p = dir.resolve("bad.bin");
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : new int[] {64, 172, 4, 3, 1, 512, 128}) b.putInt(v);
        Files.write(p, b.array());
        assertThatThrownBy(() -> Llama2cFile.open(p)).isInstanceOf(FormatException.class)
                .hasMessageContaining("bad.bin at byte 12 (n_heads)").hasMessageContaining("does not divide dim 64");
        ByteBuffer c = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : new int[] {64, 172, 4, 4, 4, 512, 0}) c.putInt(v);
        Files.write(p, c.array());
        assertThatThrownBy(() -> Llama2cFile.open(p)).isInstanceOf(FormatException.class)
                .hasMessageContaining("at byte 24 (seq_len)");
        Files.write(p, new byte[] {1, 2, 3});
        assertThatThrownBy(() -> Llama2cFile.open(p)).isInstanceOf(FormatException.class)
                .hasMessageContaining("too short for the 28-byte llama2.c header");
        // ModelFile.open does not claim such a file as llama2.c: it is not recognised at all
        assertThatThrownBy(() -> ModelFile.open(p)).isInstanceOf(FormatException.class)
                .hasMessageContaining("not a model file");
    }

    static void assertCliFails(Path file, String expected) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(new String[] {"inspect", file.toString()}, new PrintWriter(out), new PrintWriter(err));
        assertThat(code).isEqualTo(2);
        assertThat(err.toString().strip().lines()).hasSize(1).first().asString()
                .contains(file.getFileName().toString()).contains(expected);
    }

    private static byte[] head(Path p) throws IOException {
        try (var in = Files.newInputStream(p)) {
            return in.readNBytes(16);
        }
    }
}
