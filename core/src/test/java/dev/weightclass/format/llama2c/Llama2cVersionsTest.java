package dev.weightclass.format.llama2c;

import dev.weightclass.SharedData;
import dev.weightclass.format.FormatException;
import dev.weightclass.format.ModelFile;
import dev.weightclass.size.ModelInspection;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorRole;
import dev.weightclass.tensor.TensorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The versioned llama2.c exports (1: f32, 2: int8 + group scales), built from the legacy file. */
class Llama2cVersionsTest {
    @TempDir
    Path dir;

    private static final String[] PER_LAYER = {"wq", "wk", "wv", "wo", "w1", "w2", "w3"};

    private static byte[] header(int version, int[] v, boolean shared, int group) {
        ByteBuffer b = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x616b3432).putInt(version);
        for (int x : v) b.putInt(x);
        b.put((byte) (shared ? 1 : 0));
        if (version == 2) b.putInt(group);
        return b.array();
    }

    /** Writes the legacy model in the version-1 order: norms, embedding, then each weight kind by layer. */
    private Path version1(ModelFile legacy) throws IOException {
        Llama2cHeader h = ((Llama2cFile) legacy).header();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(header(1, h.values(), true, 0));
        List<String> order = new ArrayList<>();
        for (int l = 0; l < h.layers(); l++) order.add("layers." + l + ".rms_att_weight");
        for (int l = 0; l < h.layers(); l++) order.add("layers." + l + ".rms_ffn_weight");
        order.add("rms_final_weight");
        order.add("token_embedding_table");
        for (String w : PER_LAYER) for (int l = 0; l < h.layers(); l++) order.add("layers." + l + "." + w);
        for (String n : order) out.write(legacy.data(legacy.tensor(n).orElseThrow()).toArray(ValueLayout.JAVA_BYTE));
        Path p = dir.resolve("v1.bin");
        Files.write(p, out.toByteArray());
        return p;
    }

    @Test
    void version1HoldsTheSameWeights() throws IOException {
        try (ModelFile legacy = ModelFile.open(SharedData.data("aidreams260K/aidreams260K.bin"))) {
            Path v1 = version1(legacy);
            try (ModelFile m = ModelFile.open(v1)) {
                assertThat(m.metadata()).containsEntry("llama2c.version", 1);
                assertThat(m.hyperparameters()).isEqualTo(legacy.hyperparameters());
                assertThat(ModelInspection.of(m).parameters()).isEqualTo(230_976);
                assertThat(m.tensors()).hasSameSizeAs(legacy.tensors());
                for (TensorInfo t : legacy.tensors()) {
                    TensorInfo u = m.tensor(t.name()).orElseThrow();
                    assertThat(u.shape()).isEqualTo(t.shape());
                    assertThat(m.data(u).mismatch(legacy.data(t))).as(t.name()).isEqualTo(-1L);
                }
            }
            // a wrong shared flag leaves the file one classifier short, and the error says so
            byte[] b = Files.readAllBytes(v1);
            b[36] = 0;
            Path flag = dir.resolve("flag.bin");
            Files.write(flag, b);
            assertThatThrownBy(() -> ModelFile.open(flag)).isInstanceOf(FormatException.class)
                    .hasMessageContaining("(wcls)").hasMessageContaining("shared_classifier flag is wrong");
        }
    }

    @Test
    void version2CountsInt8WeightsAndNotTheirScales() throws IOException {
        int[] v = {64, 172, 4, 4, 4, 512, 128};
        int group = 64;
        Llama2cHeader h = new Llama2cHeader(2, 64, 172, 4, 4, 4, 512, 128, true, group);
        long norms = 4 * 64 * 2 + 64;
        long weights = 230_976 - norms;
        long bytes = 256 + norms * 4 + weights + weights / group * 4;
        Path p = dir.resolve("v2.bin");
        byte[] file = new byte[(int) bytes];
        System.arraycopy(header(2, v, true, group), 0, file, 0, 256);
        Files.write(p, file);
        try (ModelFile m = ModelFile.open(p)) {
            ModelInspection info = ModelInspection.of(m);
            assertThat(info.parameters()).isEqualTo(230_976);
            assertThat(info.parametersByType()).containsEntry("I8", weights).containsEntry("F32", norms);
            TensorInfo s = m.tensor("layers.1.w2.scales").orElseThrow();
            assertThat(s.role()).isEqualTo(TensorRole.QUANT_PARAM);
            assertThat(s.layer()).isEqualTo(1);
            assertThat(s.shape()).containsExactly(64 * 172 / group);
            assertThat(m.tensor("layers.1.w2").orElseThrow().type()).isEqualTo(TensorType.I8);
            assertThat(m.metadata()).containsEntry("llama2c.group_size", 64);
        }
        // a group size that does not divide the weights is refused at its header field
        ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putInt(37, 96);
        Files.write(p, file);
        assertThatThrownBy(() -> ModelFile.open(p)).isInstanceOf(FormatException.class)
                .hasMessageContaining("at byte 37 (group_size)").hasMessageContaining("not a multiple of group_size 96");
    }

    @Test
    void unknownVersionIsNamed() throws IOException {
        Path p = dir.resolve("v3.bin");
        byte[] b = Arrays.copyOf(header(2, new int[] {64, 172, 4, 4, 4, 512, 128}, true, 64), 300);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 3);
        Files.write(p, b);
        assertThatThrownBy(() -> ModelFile.open(p)).isInstanceOf(FormatException.class)
                .hasMessageContaining("at byte 4 (version)").hasMessageContaining("version 3 is not supported");
    }
}
