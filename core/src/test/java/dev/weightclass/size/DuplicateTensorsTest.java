package dev.weightclass.size;

import dev.weightclass.format.ModelFile;
import dev.weightclass.format.gguf.GgufTensorSpec;
import dev.weightclass.format.gguf.GgufValue;
import dev.weightclass.format.gguf.GgufWriter;
import dev.weightclass.tensor.TensorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class DuplicateTensorsTest {
    @TempDir
    Path dir;

    /** Rows of 64 floats: tensor k holds value seed(k) everywhere but at one position. */
    private Path model(float[] seeds, int differAt) throws Exception {
        Map<String, GgufValue> kv = new LinkedHashMap<>();
        kv.put("general.architecture", GgufValue.string("llama"));
        List<GgufTensorSpec> specs = new java.util.ArrayList<>();
        for (int k = 0; k < seeds.length; k++) {
            specs.add(new GgufTensorSpec("blk." + k + ".attn_q.weight", new long[] {64, 64}, TensorType.F32));
        }
        Path p = dir.resolve("dups.gguf");
        GgufWriter.write(p, kv, specs, (i, spec, out) -> {
            ByteBuffer b = ByteBuffer.allocate(64 * 64 * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (int j = 0; j < 64 * 64; j++) b.putFloat(j == differAt && i == seeds.length - 1 ? 99f : seeds[i]);
            out.write(b.flip());
        });
        return p;
    }

    @Test
    void findsIdenticalTensorsAndCountsThemOnce() throws Exception {
        // tensors 0 and 2 are equal, 1 differs in every byte, 3 equals 0 except in its last value
        Path p = model(new float[] {1f, 2f, 1f, 1f}, 64 * 64 - 1);
        try (ModelFile m = ModelFile.open(p)) {
            List<DuplicateTensors.Group> groups = DuplicateTensors.find(m);
            assertThat(groups).hasSize(1);
            assertThat(groups.getFirst().names()).containsExactly("blk.0.attn_q.weight", "blk.2.attn_q.weight");
            assertThat(groups.getFirst().savedBytes()).isEqualTo(64 * 64 * 4);
            ModelInspection info = ModelInspection.of(m);
            assertThat(info.parameters()).isEqualTo(4 * 64 * 64);
            assertThat(info.uniqueParameters()).isEqualTo(3 * 64 * 64);
        }
    }

    @Test
    void overTheBudgetGroupsAreReportedAsSampled() throws Exception {
        Path p = model(new float[] {1f, 1f}, -1);
        try (ModelFile m = ModelFile.open(p)) {
            assertThat(DuplicateTensors.find(m).getFirst().verified()).isTrue();
            DuplicateTensors.Group g = DuplicateTensors.find(m, 1000).getFirst();
            assertThat(g.verified()).isFalse();
            assertThat(g.names()).hasSize(2);
        }
    }

    @Test
    void differenceInTheMiddleIsNotADuplicate() throws Exception {
        Path p = model(new float[] {1f, 1f}, 2048);
        try (ModelFile m = ModelFile.open(p)) {
            assertThat(DuplicateTensors.find(m)).isEmpty();
        }
    }
}
