package dev.weightclass.format.gguf;

import dev.weightclass.format.FormatException;
import dev.weightclass.format.ModelFile;
import dev.weightclass.size.ModelInspection;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Split models ({@code NAME-0000i-of-0000N.gguf}, as llama.cpp's gguf-split writes them) open as one model. */
class GgufSplitTest {
    @TempDir
    Path dir;

    private static final LlamaShapedGguf.Shape TINY = new LlamaShapedGguf.Shape(3, 64, 96, 100, 4, 2, 128);

    /** Writes TINY in {@code count} shards; the first holds all metadata, the others only split.* keys. */
    private List<Path> writeSplit(int count, int declaredTotal) throws Exception {
        List<GgufTensorSpec> all = LlamaShapedGguf.tensors(TINY, TensorType.Q8_0);
        List<Path> paths = new ArrayList<>();
        int per = (all.size() + count - 1) / count;
        for (int s = 0; s < count; s++) {
            Map<String, GgufValue> kv = new LinkedHashMap<>();
            if (s == 0) kv.putAll(LlamaShapedGguf.metadata(TINY));
            kv.put("split.no", GgufValue.u16(s));
            kv.put("split.count", GgufValue.u16(count));
            kv.put("split.tensors.count", GgufValue.i32(declaredTotal));
            List<GgufTensorSpec> part = all.subList(s * per, Math.min(all.size(), (s + 1) * per));
            int base = s * per;
            Path p = dir.resolve(String.format("tiny-%05d-of-%05d.gguf", s + 1, count));
            GgufWriter.write(p, kv, part, (i, t, out) -> LlamaShapedGguf.markedHole(base + i, t, out));
            paths.add(p);
        }
        return paths;
    }

    @Test
    void anyShardOpensTheWholeModel() throws Exception {
        int total = LlamaShapedGguf.tensors(TINY, TensorType.Q8_0).size();
        List<Path> shards = writeSplit(3, total);
        long params;
        try (ModelFile m = ModelFile.open(shards.getFirst())) {
            assertThat(m.files()).containsExactlyElementsOf(shards);
            assertThat(m.tensors()).hasSize(total);
            assertThat(m.tensors().stream().mapToInt(TensorInfo::fileIndex).distinct()).containsExactly(0, 1, 2);
            assertThat(m.fileBytes()).isEqualTo(Files.size(shards.get(0)) + Files.size(shards.get(1)) + Files.size(shards.get(2)));
            assertThat(m.hyperparameters().layers()).isEqualTo(3);
            GgufFile g = (GgufFile) m;
            for (int i = 0; i < total; i++) {
                TensorInfo t = m.tensors().get(i);
                assertThat(t.offset()).isGreaterThanOrEqualTo(g.dataOffset(t.fileIndex()));
                // Each tensor's marker says which tensor it is: the data comes from the right shard.
                assertThat(m.data(t).get(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN), 0))
                        .isEqualTo(i + 1);
            }
            params = ModelInspection.of(m).parameters();
        }
        try (ModelFile m = ModelFile.open(shards.get(2))) {
            assertThat(m.tensors()).hasSize(total);
            assertThat(ModelInspection.of(m).parameters()).isEqualTo(params);
        }
    }

    @Test
    void missingShardIsNamed() throws Exception {
        List<Path> shards = writeSplit(3, LlamaShapedGguf.tensors(TINY, TensorType.Q8_0).size());
        Files.delete(shards.get(1));
        assertThatThrownBy(() -> ModelFile.open(shards.getFirst()))
                .isInstanceOf(FormatException.class)
                .hasMessageContaining("split.count")
                .hasMessageContaining("shard 2 of 3 is missing")
                .hasMessageContaining("tiny-00002-of-00003.gguf");
    }

    @Test
    void wrongTensorTotalIsRejected() throws Exception {
        List<Path> shards = writeSplit(2, 7);
        assertThatThrownBy(() -> ModelFile.open(shards.getFirst()))
                .isInstanceOf(FormatException.class)
                .hasMessageContaining("split.tensors.count").hasMessageContaining("says 7 tensors");
    }

    @Test
    void renamedShardCannotFindItsSiblings() throws Exception {
        List<Path> shards = writeSplit(2, LlamaShapedGguf.tensors(TINY, TensorType.Q8_0).size());
        Path renamed = Files.move(shards.getFirst(), dir.resolve("model.gguf"));
        assertThatThrownBy(() -> ModelFile.open(renamed))
                .isInstanceOf(FormatException.class)
                .hasMessageContaining("NAME-00001-of-0000N.gguf");
    }
}
