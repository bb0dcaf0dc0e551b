package dev.weightclass.format.gguf;

import dev.weightclass.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Typed metadata values: plain Java views, exact encoded sizes, raw bytes that are not UTF-8. */
class GgufValueTest {
    @TempDir
    Path dir;

    @Test
    void plainValues() {
        assertThat(GgufValue.u64(-1L).plain()).isEqualTo(new BigInteger("18446744073709551615"));
        assertThat(GgufValue.u64(7).plain()).isEqualTo(7L);
        assertThat(GgufValue.u32(0xffffffffL).asLong()).isEqualTo(4294967295L);
        assertThat(GgufValue.u8(200).plain()).isEqualTo(200);
        GgufValue nested = GgufWriterTest.sampleKv().get("nested");
        assertThat(nested.plain()).isEqualTo(List.of(List.of(1, 2), List.of(List.of(3.0))));
        assertThat(GgufValue.string("x").asString()).isEqualTo("x");
    }

    @Test
    void valuesMustFitTheirType() {
        assertThatThrownBy(() -> GgufValue.u8(256)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GgufValue.u32(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GgufValue.array(GgufValueType.INT32, List.of(1L))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new GgufValue(GgufValueType.FLOAT32, 1.0, null)).isInstanceOf(IllegalArgumentException.class);
    }

    /** encodedSize is what the writer emits: the header size follows from it exactly. */
    @Test
    void encodedSizesMatchTheWrittenHeader() throws Exception {
        Map<String, GgufValue> kv = GgufWriterTest.sampleKv();
        Path p = dir.resolve("kv.gguf");
        GgufWriter.write(p, kv, List.of(), (i, t, out) -> { });
        long entries = 0;
        for (var e : kv.entrySet()) entries += GgufModelInfo.entrySize(e.getKey(), e.getValue());
        assertThat(Files.size(p)).isEqualTo(GgufFormat.pad(24 + entries, 32));
    }

    /** A string value that is not UTF-8 (a byte piece of some vocabularies) is kept raw and written back as is. */
    @Test
    void invalidUtf8ValuesRoundTrip() throws Exception {
        byte[] piece = {(byte) 0xe6, (byte) 0x97};  // first two bytes of a three-byte character
        byte[] bytes = RawGguf.header(3, 0, 1).str("tokenizer.ggml.tokens").u32(9).u32(8).u64(2)
                .str("ok").str(piece).pad(32).bytes();
        Path src = Files.write(dir.resolve("raw.gguf"), bytes);
        Path out = dir.resolve("out.gguf");
        try (GgufFile m = GgufFile.open(src)) {
            List<?> tokens = m.kv().get("tokenizer.ggml.tokens").asList();
            assertThat(tokens.get(0)).isEqualTo("ok");
            assertThat(tokens.get(1)).isEqualTo(piece);
            assertThat(m.tokenizer().orElseThrow().vocabSize()).isEqualTo(2);
            GgufWriter.write(out, m.version(), m.kv(), m.tensorSpecs(), GgufWriter.from(m));
        }
        assertThat(Files.readAllBytes(out)).isEqualTo(bytes);
    }

    @Test
    void inspectJsonOfAGgufModel() throws Exception {
        Path p = dir.resolve("m.gguf");
        LlamaShapedGguf.write(p, new LlamaShapedGguf.Shape(2, 64, 128, 50, 4, 2, 256), dev.weightclass.tensor.TensorType.Q8_0);
        StringWriter out = new StringWriter(), err = new StringWriter();
        assertThat(Main.run(new String[] {"inspect", "--json", "--tensors", p.toString()}, new PrintWriter(out), new PrintWriter(err)))
                .as(err.toString()).isZero();
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.toString());
        // 50x64 embedding and output, 2 layers of (64 + 64x64 + 2x(64x32) + 64x64 + 64 + 3x(64x128)), final norm
        long perLayer = 64 + 64 * 64 + 2 * 64 * 32 + 64 * 64 + 64 + 3 * 64 * 128;
        assertThat(json.get("parameters").asLong()).isEqualTo(2 * 50 * 64 + 2 * perLayer + 64);
        assertThat(json.get("hyperparameters").get("kv_heads").asInt()).isEqualTo(2);
        assertThat(json.get("metadata").get("llama.block_count").asInt()).isEqualTo(2);
        assertThat(json.get("tensors")).hasSize(2 + 2 * 9 + 1);
    }
}
