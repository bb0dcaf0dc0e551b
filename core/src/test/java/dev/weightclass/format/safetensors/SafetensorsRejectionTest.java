package dev.weightclass.format.safetensors;

import dev.weightclass.cli.Main;
import dev.weightclass.format.FormatException;
import dev.weightclass.format.ModelFile;
import dev.weightclass.tensor.TensorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Crafted bad files: each is refused with the file, the field or tensor, and a byte offset. */
class SafetensorsRejectionTest {
    @TempDir
    Path dir;

    /** u64 length + header + data bytes. */
    private Path file(String name, String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Path p = dir.resolve(name + ".safetensors");
        Files.write(p, b.array());
        return p;
    }

    private static String t(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]}";
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            not an object      | [1,2]                                                           | 0  | header       | does not start with '{'
            invalid json       | {"a":{"dtype":"F32",}}                                          | 0  | header       | invalid JSON
            trailing garbage   | {} x                                                            | 0  | header       | invalid JSON
            unknown dtype      | {"w":{"dtype":"F12","shape":[1],"data_offsets":[0,4]}}           | 4  | w.dtype      | unknown dtype "F12"
            lower-case dtype   | {"w":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}}           | 4  | w.dtype      | unknown dtype "f32"
            size mismatch      | {"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}}        | 12 | w            | hold 12 bytes but shape [2, 2] of F32 needs 16
            out of range       | {"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}          | 8  | w            | run past the end of the data buffer (8 bytes)
            offsets reversed   | {"w":{"dtype":"U8","shape":[0],"data_offsets":[4,0]}}            | 4  | w            | end before they begin
            overflow           | {"w":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,4]}} | 4 | w | overflows 64 bits
            bytes overflow     | {"w":{"dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,4]}} | 4 | w | overflows 64 bits
            huge number        | {"w":{"dtype":"F32","shape":[99999999999999999999],"data_offsets":[0,4]}} | 4 | w.shape | overflows 64 bits
            negative dim       | {"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}          | 4  | w.shape      | negative value -1
            fractional dim     | {"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}         | 4  | w.shape      | fractional number
            three offsets      | {"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}         | 4  | w.data_offsets | found 3 numbers
            missing shape      | {"w":{"dtype":"F32","data_offsets":[0,4]}}                       | 4  | w            | no shape
            entry not object   | {"w":[1,2]}                                                      | 4  | w            | expected an object
            duplicate names    | {"w":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"w":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}} | 4 | header | Duplicate field 'w'
            metadata not str   | {"__metadata__":{"format":1},"w":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}} | 4 | __metadata__.format | must be strings
            trailing bytes     | {"w":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}            | 4  | data buffer  | cover 2 bytes of the data buffer but it has 4
            odd F4 elements    | {"w":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}}            | 2  | w            | not fill a whole number of bytes
            F6 not multiple 4  | {"w":{"dtype":"F6_E2M3","shape":[2],"data_offsets":[0,2]}}       | 2  | w            | not fill a whole number of bytes
            """)
    void rejected(String label, String header, int dataBytes, String field, String problem) throws IOException {
        Path p = file(label.replace(' ', '_'), header, dataBytes);
        assertThatThrownBy(() -> ModelFile.open(p)).isInstanceOf(FormatException.class)
                .hasMessageContaining(p.getFileName().toString()).hasMessageContaining(problem)
                .satisfies(e -> {
                    FormatException f = (FormatException) e;
                    assertThat(f.field()).isEqualTo(field);
                    assertThat(f.offset()).isBetween(0L, Files.size(p));
                });
        assertCliFails(p, problem);
    }

    @Test
    void overlapAndHoleNameBothTensors() throws IOException {
        Path overlap = file("overlap", "{" + t("a", "U8", "[8]", 0, 8) + "," + t("b", "U8", "[8]", 4, 12) + "}", 12);
        assertThatThrownBy(() -> ModelFile.open(overlap)).isInstanceOf(FormatException.class)
                .hasMessageContaining("(b)").hasMessageContaining("overlap tensor a [0, 8]");
        Path hole = file("hole", "{" + t("a", "U8", "[4]", 0, 4) + "," + t("b", "U8", "[4]", 8, 12) + "}", 12);
        assertThatThrownBy(() -> ModelFile.open(hole)).isInstanceOf(FormatException.class)
                .hasMessageContaining("(b)").hasMessageContaining("bytes [4, 8) before this tensor belong to no tensor");
        // the error points at the tensor's entry in the header
        String header = "{" + t("a", "U8", "[4]", 0, 4) + "," + t("b", "U8", "[4]", 8, 12) + "}";
        assertThatThrownBy(() -> ModelFile.open(hole)).satisfies(e ->
                assertThat(((FormatException) e).offset()).isEqualTo(8 + header.indexOf("\"b\"")));
    }

    @Test
    void headerLengthIsCheckedBeforeAnythingIsRead() throws IOException {
        Path big = dir.resolve("big.safetensors");
        Files.write(big, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(200_000_000L).put("{}      ".getBytes()).array());
        assertThatThrownBy(() -> ModelFile.open(big)).isInstanceOf(FormatException.class)
                .hasMessageContaining("big.safetensors at byte 0 (header length)").hasMessageContaining("exceeds the 100000000-byte limit");
        Path past = dir.resolve("past.safetensors");
        Files.write(past, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(4096).put("{}      ".getBytes()).array());
        assertThatThrownBy(() -> ModelFile.open(past)).isInstanceOf(FormatException.class)
                .hasMessageContaining("header length 4096 runs past the end of the file (16 bytes)");
        Path neg = dir.resolve("neg.safetensors");
        Files.write(neg, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-8).put("{}      ".getBytes()).array());
        assertThatThrownBy(() -> ModelFile.open(neg)).isInstanceOf(FormatException.class)
                .hasMessageContaining("header length 18446744073709551608 exceeds");
        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[] {1, 2, 3});
        assertThatThrownBy(() -> ModelFile.open(tiny)).isInstanceOf(FormatException.class)
                .hasMessageContaining("too short for the 8-byte header length");
        assertCliFails(big, "exceeds");
    }

    @Test
    void invalidUtf8InTheHeaderIsRejected() throws IOException {
        byte[] h = "{\"w\u00e9\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}".getBytes(StandardCharsets.UTF_8);
        int bad = new String(h, StandardCharsets.UTF_8).indexOf('\u00e9');
        h[bad + 1] = (byte) 0xff; // break the two-byte sequence
        Path p = dir.resolve("utf8.safetensors");
        Files.write(p, ByteBuffer.allocate(8 + h.length + 1).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h).array());
        assertThatThrownBy(() -> ModelFile.open(p)).isInstanceOf(FormatException.class).hasMessageContaining("invalid JSON");
    }

    @Test
    void shardIndexProblemsAreClear() throws IOException {
        Path shard = dir.resolve("model-00001-of-00002.safetensors");
        SafetensorsWriter.write(shard, List.of(SafetensorsWriterTest.tensor("a", TensorType.U8, new long[] {2}, new byte[2])), Map.of());
        Path index = dir.resolve("model.safetensors.index.json");
        Files.writeString(index, """
                {"metadata": {}, "weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}}""");
        assertThatThrownBy(() -> ModelFile.open(dir)).isInstanceOf(FormatException.class)
                .hasMessageContaining("model.safetensors.index.json (weight_map.b)")
                .hasMessageContaining("shard model-00002-of-00002.safetensors does not exist");
        Files.writeString(index, """
                {"weight_map": {"a": "model-00001-of-00002.safetensors", "c": "model-00001-of-00002.safetensors"}}""");
        assertThatThrownBy(() -> ModelFile.open(index)).isInstanceOf(FormatException.class)
                .hasMessageContaining("(weight_map.c)").hasMessageContaining("not in its shard model-00001-of-00002.safetensors");
        Files.writeString(index, """
                {"weight_map": {"a": "../elsewhere.safetensors"}}""");
        assertThatThrownBy(() -> ModelFile.open(index)).isInstanceOf(FormatException.class)
                .hasMessageContaining("is not a file beside the index");
        Files.writeString(index, "{\"weight_map\": [1]}");
        assertThatThrownBy(() -> ModelFile.open(index)).isInstanceOf(FormatException.class)
                .hasMessageContaining("no weight_map object");
        assertCliFails(index, "weight_map");
    }

    @Test
    void sameTensorInTwoShardsIsRejected() throws IOException {
        SafetensorsWriter.write(dir.resolve("s1.safetensors"), List.of(SafetensorsWriterTest.tensor("a", TensorType.U8, new long[] {2}, new byte[2])), Map.of());
        SafetensorsWriter.write(dir.resolve("s2.safetensors"), List.of(SafetensorsWriterTest.tensor("a", TensorType.U8, new long[] {2}, new byte[2])), Map.of());
        Path index = dir.resolve("model.safetensors.index.json");
        Files.writeString(index, "{\"weight_map\": {\"a\": \"s1.safetensors\", \"b\": \"s2.safetensors\"}}");
        assertThatThrownBy(() -> ModelFile.open(index)).isInstanceOf(FormatException.class)
                .hasMessageContaining("also in shard s1.safetensors");
    }

    @Test
    void everyDtypeOfTheFormatIsRead() throws IOException {
        StringBuilder h = new StringBuilder("{");
        long at = 0;
        for (TensorType type : SafetensorsDtypes.ORDER) {
            long bytes = type.bytesFor(4L * type.blockSize());
            if (at > 0) h.append(',');
            h.append(t("t_" + type.name(), type.name(), "[" + 4 * type.blockSize() + "]", at, at + bytes));
            at += bytes;
        }
        Path p = file("all", h.append('}').toString(), (int) at);
        try (ModelFile m = ModelFile.open(p)) {
            assertThat(m.tensors()).hasSize(SafetensorsDtypes.ORDER.size());
            for (TensorType type : SafetensorsDtypes.ORDER) {
                assertThat(m.tensor("t_" + type.name()).orElseThrow().type()).isEqualTo(type);
            }
            assertThat(m.tensor("t_F4").orElseThrow().byteSize()).isEqualTo(4);       // 8 values, 2 per byte
            assertThat(m.tensor("t_F6_E2M3").orElseThrow().byteSize()).isEqualTo(12); // 16 values, 4 per 3 bytes
        }
    }

    static void assertCliFails(Path file, String expected) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(new String[] {"inspect", file.toString()}, new PrintWriter(out), new PrintWriter(err));
        assertThat(code).isEqualTo(2);
        assertThat(err.toString().strip().lines()).hasSize(1).first().asString()
                .contains(file.getFileName().toString()).contains(expected);
    }
}
