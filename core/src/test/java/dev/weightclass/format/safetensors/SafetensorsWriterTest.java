package dev.weightclass.format.safetensors;

import dev.weightclass.SharedData;
import dev.weightclass.format.ModelFile;
import dev.weightclass.size.ModelInspection;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class SafetensorsWriterTest {
    @TempDir
    Path dir;

    @Test
    void loraAdapterWrittenBackIsByteIdentical() throws IOException {
        // The adapter was written by the reference library: __metadata__ first, space padding.
        Path src = SharedData.data("lora-gpt2-tigrinya/adapter_model.safetensors");
        Path out = dir.resolve("copy.safetensors");
        try (ModelFile m = ModelFile.open(src)) {
            SafetensorsWriter.copy(m, out);
        }
        assertThat(Files.mismatch(src, out)).isEqualTo(-1L);
    }

    @Test
    void aidreamsWrittenBackReadsToTheSameView() throws IOException {
        Path src = SharedData.data("aidreams260K/hf/model.safetensors");
        Path out = dir.resolve("model.safetensors");
        Files.copy(src.resolveSibling("config.json"), dir.resolve("config.json"));
        try (ModelFile a = ModelFile.open(src)) {
            SafetensorsWriter.copy(a, out);
            try (ModelFile b = ModelFile.open(out)) {
                assertSameView(a, b);
                assertThat(b.metadata()).isEqualTo(a.metadata());
                // This file was not written by the reference library (its __metadata__ comes last), so
                // only the header's key order differs: same length, same data bytes.
                SafetensorsHeader ha = ((SafetensorsFile) a).headers().getFirst();
                SafetensorsHeader hb = ((SafetensorsFile) b).headers().getFirst();
                assertThat(hb.headerLength()).isEqualTo(ha.headerLength());
                assertThat(Files.size(out)).isEqualTo(Files.size(src));
                assertThat(Files.mismatch(src, out)).isLessThan(ha.dataStart());
                byte[] x = Files.readAllBytes(src), y = Files.readAllBytes(out);
                assertThat(java.util.Arrays.equals(x, (int) ha.dataStart(), x.length, y, (int) hb.dataStart(), y.length)).isTrue();
            }
        }
    }

    @Test
    void layoutMatchesTheReferenceSerializer() throws IOException {
        // Reference library test vector: one F32 [1,1,2,3] tensor "attn0" = 0..5, header padded to 72.
        ByteBuffer data = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 6; i++) data.putFloat(i);
        Path out = dir.resolve("a.safetensors");
        SafetensorsWriter.write(out, List.of(tensor("attn0", TensorType.F32, new long[] {1, 1, 2, 3}, data.array())), Map.of());
        byte[] b = Files.readAllBytes(out);
        String json = "{\"attn0\":{\"dtype\":\"F32\",\"shape\":[1,1,2,3],\"data_offsets\":[0,24]}}";
        assertThat(json.length()).isEqualTo(65);
        assertThat(ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong()).isEqualTo(72);
        assertThat(new String(b, 8, 72, StandardCharsets.UTF_8)).isEqualTo(json + "       ");
        assertThat(b).hasSize(8 + 72 + 24);
        // empty file with metadata: the reference writes {"__metadata__":{"framework":"pt"}} + 5 spaces
        Path empty = dir.resolve("e.safetensors");
        SafetensorsWriter.write(empty, List.of(), Map.of("framework", "pt"));
        assertThat(new String(Files.readAllBytes(empty), 8, 40, StandardCharsets.UTF_8))
                .isEqualTo("{\"__metadata__\":{\"framework\":\"pt\"}}     ");
        try (ModelFile m = ModelFile.open(empty)) {
            assertThat(m.tensors()).isEmpty();
        }
    }

    @Test
    void tensorsAreSortedByDtypeAlignmentThenName() throws IOException {
        List<SafetensorsWriter.Tensor> ts = List.of(
                tensor("b", TensorType.U8, new long[] {3}, new byte[3]),
                tensor("a", TensorType.U8, new long[] {2}, new byte[2]),
                tensor("z", TensorType.I64, new long[] {1}, new byte[8]),
                tensor("m", TensorType.F16, new long[] {2}, new byte[4]),
                tensor("q", TensorType.F4, new long[] {2, 3}, new byte[3]),
                tensor("s", TensorType.F6_E2M3, new long[] {4}, new byte[3]),
                tensor("c", TensorType.BF16, new long[] {1}, new byte[2]));
        Path out = dir.resolve("mixed.safetensors");
        SafetensorsWriter.write(out, ts, Map.of());
        try (ModelFile m = ModelFile.open(out)) {
            assertThat(m.tensors()).extracting(TensorInfo::name).containsExactly("z", "c", "m", "a", "b", "s", "q");
            TensorInfo z = m.tensor("z").orElseThrow();
            assertThat(z.offset() % 8).isZero();
            assertThat(m.tensor("q").orElseThrow().byteSize()).isEqualTo(3);
        }
    }

    @Test
    void shardedModelOpensAsOneModel() throws IOException {
        Path src = SharedData.data("aidreams260K/hf/model.safetensors");
        try (ModelFile a = ModelFile.open(src)) {
            Files.copy(src.resolveSibling("config.json"), dir.resolve("config.json"));
            Path index = SafetensorsWriter.writeSharded(dir, SafetensorsWriter.tensorsOf(a), Map.of("format", "pt"), 300_000);
            try (ModelFile b = ModelFile.open(dir)) {
                assertThat(b.path()).isEqualTo(index);
                assertThat(b.files()).hasSizeGreaterThanOrEqualTo(3);
                assertThat(b.files().getFirst().getFileName().toString()).startsWith("model-00001-of-0000");
                assertThat(ModelInspection.of(b).parameters()).isEqualTo(230_976);
                assertThat(b.hyperparameters()).isEqualTo(a.hyperparameters());
                assertThat(b.metadata()).containsEntry("index.total_size", 230_976L * 4);
                assertThat(b.tensors().stream().mapToInt(TensorInfo::fileIndex).distinct().count())
                        .isEqualTo(b.files().size());
                for (TensorInfo t : a.tensors()) {
                    TensorInfo u = b.tensor(t.name()).orElseThrow();
                    assertThat(u.shape()).isEqualTo(t.shape());
                    assertThat(b.data(u).mismatch(a.data(t))).isEqualTo(-1L);
                }
            }
        }
    }

    static void assertSameView(ModelFile a, ModelFile b) {
        Map<String, TensorInfo> bt = new LinkedHashMap<>();
        for (TensorInfo t : b.tensors()) bt.put(t.name(), t);
        assertThat(bt.keySet()).containsExactlyInAnyOrderElementsOf(a.tensors().stream().map(TensorInfo::name).toList());
        for (TensorInfo t : a.tensors()) {
            TensorInfo u = bt.get(t.name());
            assertThat(u.shape()).isEqualTo(t.shape());
            assertThat(u.type()).isEqualTo(t.type());
            assertThat(u.role()).isEqualTo(t.role());
            assertThat(b.data(u).mismatch(a.data(t))).isEqualTo(-1L);
        }
        assertThat(b.hyperparameters()).isEqualTo(a.hyperparameters());
    }

    static SafetensorsWriter.Tensor tensor(String name, TensorType type, long[] shape, byte[] bytes) {
        MemorySegment seg = MemorySegment.ofArray(bytes);
        return new SafetensorsWriter.Tensor(name, type, shape, SafetensorsWriter.TensorData.of(seg));
    }

}
