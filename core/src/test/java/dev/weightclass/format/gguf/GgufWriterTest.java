package dev.weightclass.format.gguf;

import dev.weightclass.SharedData;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Writing GGUF: byte-exact round trips of real files and the size arithmetic the size predictor uses. */
class GgufWriterTest {
    @TempDir
    Path dir;

    static Stream<String> goldenFiles() throws Exception {
        return GgufReaderTest.goldenFiles();
    }

    /**
     * Rewriting a llama.cpp-made file (the golden set) with the same metadata and tensor order gives
     * the original bytes: same header encoding, same padding, same data layout.
     */
    @ParameterizedTest
    @MethodSource("goldenFiles")
    void goldenFilesRoundTripByteForByte(String name) throws Exception {
        Path src = SharedData.golden(name);
        Path out = dir.resolve(name);
        try (GgufFile m = GgufFile.open(src)) {
            GgufWriter.write(out, m.version(), m.kv(), m.tensorSpecs(), GgufWriter.from(m));
            long predicted = GgufWriter.fileSize(m.version(), m.kv(), m.tensorSpecs(), m.alignment());
            assertThat(Files.size(out)).isEqualTo(predicted);
            assertThat(GgufWriter.headerSize(m.version(), m.kv(), m.tensorSpecs(), m.alignment())).isEqualTo(m.dataOffset(0));
        }
        assertThat(Files.mismatch(src, out)).as("first differing byte").isEqualTo(-1L);
    }

    @ParameterizedTest
    @ValueSource(strings = {"aidreams260K/aidreams260K-f32.gguf", "aidreams260K/aidreams260K-f16.gguf",
            "aidreams260K/aidreams260K-bf16.gguf", "aidreams260K/aidreams260K-q8_0.gguf", "aidreams260K/aidreams260K-q4_0.gguf",
            "llamacpp-vocab/ggml-vocab-llama-spm.gguf", "llamacpp-vocab/ggml-vocab-phi-3.gguf",
            "llamacpp-vocab/ggml-vocab-gpt-2.gguf", "llamacpp-vocab/ggml-vocab-bert-bge.gguf"})
    void realFilesRoundTrip(String rel) throws Exception {
        Path src = SharedData.data(rel);
        Path out = dir.resolve("out.gguf");
        try (GgufFile m = GgufFile.open(src)) {
            GgufWriter.write(out, m.version(), m.kv(), m.tensorSpecs(), GgufWriter.from(m));
            assertThat(Files.size(out)).isEqualTo(GgufWriter.fileSize(m.version(), m.kv(), m.tensorSpecs(), m.alignment()));
            try (GgufFile back = GgufFile.open(out)) {
                assertThat(back.kv()).isEqualTo(m.kv());
                assertThat(back.tensorSpecs()).isEqualTo(m.tensorSpecs());
                assertThat(back.hyperparameters()).isEqualTo(m.hyperparameters());
                assertThat(back.tokenizer()).isEqualTo(m.tokenizer());
                for (int i = 0; i < m.tensors().size(); i++) {
                    TensorInfo a = m.tensors().get(i), b = back.tensors().get(i);
                    assertThat(back.data(b).mismatch(m.data(a))).as(a.name()).isEqualTo(-1L);
                }
            }
        }
        long length = Files.size(src);
        if (rel.startsWith("aidreams260K/")) {
            // gguf-py wrote these with the same layout rules, so the bytes come back unchanged.
            assertThat(Files.mismatch(src, out)).as("first differing byte").isEqualTo(-1L);
        } else {
            // The vocab-only files (no tensors) end right after the metadata; the writer pads the
            // header to the alignment as llama.cpp does. Everything before that padding is identical.
            assertThat(Files.mismatch(src, out)).isEqualTo(length);
            assertThat(Files.size(out)).isEqualTo(GgufFormat.pad(length, 32));
            byte[] tail = Files.readAllBytes(out);
            for (long i = length; i < tail.length; i++) assertThat(tail[(int) i]).isZero();
        }
    }

    @Test
    void sameInputSameBytes() throws Exception {
        Map<String, GgufValue> kv = sampleKv();
        List<GgufTensorSpec> ts = List.of(new GgufTensorSpec("a", new long[] {32, 3}, TensorType.Q8_0),
                new GgufTensorSpec("b", new long[] {5}, TensorType.F32));
        Path one = dir.resolve("one.gguf"), two = dir.resolve("two.gguf");
        GgufWriter.write(one, kv, ts, GgufWriterTest::pattern);
        GgufWriter.write(two, kv, ts, GgufWriterTest::pattern);
        assertThat(Files.mismatch(one, two)).isEqualTo(-1L);
        assertThat(Files.size(one)).isEqualTo(GgufWriter.fileSize(3, kv, ts, 32));
        try (GgufFile m = GgufFile.open(one)) {
            assertThat(m.kv()).isEqualTo(kv);
            assertThat(m.tensors().get(0).byteSize()).isEqualTo(3 * 34);
            assertThat(m.relativeOffset(m.tensors().get(1))).isEqualTo(128); // 102 padded to 32
            assertThat(m.data(m.tensors().get(1)).get(java.lang.foreign.ValueLayout.JAVA_BYTE, 19)).isEqualTo((byte) (7 + 19 + 1));
        }
    }

    @Test
    void versionTwoAndCustomAlignment() throws Exception {
        Map<String, GgufValue> kv = new LinkedHashMap<>(sampleKv());
        kv.put("general.alignment", GgufValue.u32(64));
        List<GgufTensorSpec> ts = List.of(new GgufTensorSpec("x", new long[] {7}, TensorType.F32),
                new GgufTensorSpec("y", new long[] {256, 2}, TensorType.Q4_K));
        Path p = dir.resolve("v2.gguf");
        GgufWriter.write(p, 2, kv, ts, GgufWriterTest::pattern);
        assertThat(Files.size(p)).isEqualTo(GgufWriter.fileSize(2, kv, ts, 64));
        try (GgufFile m = GgufFile.open(p)) {
            assertThat(m.version()).isEqualTo(2);
            assertThat(m.alignment()).isEqualTo(64);
            assertThat(m.dataOffset(0) % 64).isZero();
            assertThat(m.relativeOffset(m.tensors().get(1))).isEqualTo(64);
        }
        assertThatThrownBy(() -> GgufWriter.headerSize(3, kv, ts, 32)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void wrongAmountOfTensorDataFailsAndLeavesNoFile() {
        List<GgufTensorSpec> ts = List.of(new GgufTensorSpec("x", new long[] {8}, TensorType.F32));
        Path p = dir.resolve("short.gguf");
        assertThatThrownBy(() -> GgufWriter.write(p, sampleKv(), ts, (i, t, out) -> out.write(ByteBuffer.allocate(31))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("'x'");
        assertThat(p).doesNotExist();
        assertThat(dir.toFile().list()).isEmpty();
    }

    static Map<String, GgufValue> sampleKv() {
        Map<String, GgufValue> kv = new LinkedHashMap<>();
        kv.put("general.architecture", GgufValue.string("llama"));
        kv.put("u8", GgufValue.u8(255));
        kv.put("i8", GgufValue.i8(-128));
        kv.put("u16", GgufValue.u16(65535));
        kv.put("i16", GgufValue.i16(-32768));
        kv.put("u32", GgufValue.u32(0xffffffffL));
        kv.put("i32", GgufValue.i32(-5));
        kv.put("f32", GgufValue.f32(1.5f));
        kv.put("bool", GgufValue.bool(true));
        kv.put("string", GgufValue.string("héllo ✓"));
        kv.put("u64", GgufValue.u64(-1L));
        kv.put("i64", GgufValue.i64(Long.MIN_VALUE));
        kv.put("f64", GgufValue.f64(-0.25));
        kv.put("arr", GgufValue.array(GgufValueType.STRING, List.of("a", "", "ccc")));
        kv.put("nested", GgufValue.array(GgufValueType.ARRAY, List.of(
                GgufValue.array(GgufValueType.INT32, List.of(1, 2)),
                GgufValue.array(GgufValueType.ARRAY, List.of(GgufValue.array(GgufValueType.FLOAT64, List.of(3.0)))))));
        kv.put("empty", GgufValue.array(GgufValueType.UINT8, List.of()));
        return kv;
    }

    /** Distinct bytes per tensor: index and position. */
    static void pattern(int index, GgufTensorSpec t, GgufWriter.TensorSink out) throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) t.byteSize());
        for (int i = 0; i < b.capacity(); i++) b.put((byte) (index * 7 + i + 1));
        out.write(b.flip());
    }
}
