package dev.weightclass.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weightclass.SharedData;
import dev.weightclass.runtime.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class TokenizeCommandTest {

    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Result(code, out.toString(), err.toString());
    }

    static String spm() {
        return SharedData.data("llamacpp-vocab/ggml-vocab-llama-spm.gguf").toString();
    }

    @Test
    void idsWithBosAsTheMetadataSays() {
        // llama.cpp's reference ids for "Hello world" are 15043 3186; add_bos_token puts 1 first
        assertThat(run("tokenize", spm(), "-p", "Hello world").out().strip()).isEqualTo("[1, 15043, 3186]");
        assertThat(run("tokenize", spm(), "-p", "Hello world", "--no-bos").out().strip()).isEqualTo("[15043, 3186]");
        String gpt2 = SharedData.data("llamacpp-vocab/ggml-vocab-gpt-2.gguf").toString();
        assertThat(run("tokenize", gpt2, "-p", "Hello world").out().strip()).isEqualTo("[15496, 995]");
    }

    @Test
    void jsonAndPieces() throws Exception {
        Result r = run("tokenize", spm(), "-p", "Hello world", "--json", "--show-pieces");
        assertThat(r.code()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("token_ids").toString()).isEqualTo("[1,15043,3186]");
        assertThat(j.get("pieces").toString()).isEqualTo("[\"<s>\",\" Hello\",\" world\"]");
        // byte-fallback tokens of a character the vocabulary lacks show in their <0xXX> form
        Result lines = run("tokenize", spm(), "-p", "🦙", "--no-bos", "--show-pieces");
        assertThat(lines.out()).isEqualTo(String.format("%6d -> ' '%n%6d -> '<0xF0>'%n%6d -> '<0x9F>'%n%6d -> '<0xA6>'%n%6d -> '<0x99>'%n",
                29871, 243, 162, 169, 156));
    }

    @Test
    void fileInputAndTokenizerJsonModels(@TempDir Path tmp) throws Exception {
        Path text = tmp.resolve("t.txt");
        Files.writeString(text, "Hello world\n");
        try (InputStream in = Tokenizers.class.getClassLoader().getResourceAsStream(Tokenizers.MINILM_RESOURCE)) {
            Files.copy(in, tmp.resolve("minilm-tokenizer.json"));
        }
        Files.write(tmp.resolve("minilm.onnx"), new byte[0]);
        Result r = run("tokenize", tmp.resolve("minilm.onnx").toString(), "--file", text.toString());
        assertThat(r.err()).isEmpty();
        assertThat(r.out().strip()).isEqualTo("[101, 7592, 2088, 102]");
        Result direct = run("tokenize", tmp.resolve("minilm-tokenizer.json").toString(), "-p", "Hello world", "--no-bos");
        assertThat(direct.out().strip()).isEqualTo("[7592, 2088]");
    }

    @Test
    void llama2cCheckpointUsesTheTokenizerBinBesideIt() {
        String bin = SharedData.data("aidreams260K/aidreams260K.bin").toString();
        String gguf = SharedData.data("aidreams260K/aidreams260K-f32.gguf").toString();
        Result a = run("tokenize", bin, "-p", "Echoes of vectors unfold, a gentle hum");
        Result b = run("tokenize", gguf, "-p", "Echoes of vectors unfold, a gentle hum");
        assertThat(a.err()).isEmpty();
        assertThat(a.out()).startsWith("[1, ").isEqualTo(b.out());
        // stories260K ships without its tokenizer
        Result none = run("tokenize", SharedData.data("stories260K/stories260K.bin").toString(), "-p", "x");
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.err().strip()).contains("no tokenizer found").contains("tok512.bin").doesNotContain("\n");
    }

    @Test
    void textThatIsNotUtf8IsOneClearLine(@TempDir Path tmp) throws Exception {
        Path text = tmp.resolve("latin1.txt");
        Files.write(text, new byte[] {'c', 'a', 'f', (byte) 0xE9, '\n'});
        Result r = run("tokenize", spm(), "--file", text.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).contains("latin1.txt").contains("not UTF-8").contains("0xE9 at offset 3")
                .doesNotContain("\n").doesNotContain("Exception");
    }

    @Test
    void modelWithoutTokenizerIsOneClearLine() {
        Path hf = SharedData.data("aidreams260K/hf");
        Result r = run("tokenize", hf.toString(), "-p", "x");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).contains("no tokenizer found").contains("tokenizer.json").doesNotContain("\n");
    }

    @Test
    void promptAndFileAreExclusive() {
        Result r = run("tokenize", spm());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("-p=TEXT").contains("-f=FILE");
    }
}
