package dev.weightclass.quant;

import dev.weightclass.SharedData;
import dev.weightclass.WeightclassException;
import dev.weightclass.format.gguf.GgufFile;
import dev.weightclass.tensor.TensorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A write that fails half-way (here: a full disk, simulated) leaves no file and says why in one line. */
class QuantizeFailureTest {

    @Test
    void fullDiskMidWayLeavesNothing(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("q.gguf");
        int[] tensors = {0};
        try (GgufFile in = GgufFile.open(SharedData.golden("aidreams260K-f32.gguf"))) {
            assertThatThrownBy(() -> GgufQuantizer.quantize(in, out, Map.of("blk.0.attn_q.weight", TensorType.Q8_0), 7, 2,
                    bytes -> {
                        if (++tensors[0] == 10) throw new UncheckedIOException(new IOException("No space left on device"));
                    }))
                    .isInstanceOf(WeightclassException.class)
                    .hasMessageContaining("no space left on device").hasMessageNotContaining("\n");
        }
        assertThat(tensors[0]).isEqualTo(10);
        try (var files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }
}
