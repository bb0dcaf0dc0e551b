package dev.weightclass.format;

import dev.weightclass.WeightclassException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AtomicOutputTest {
    @TempDir
    Path dir;

    @Test
    void writesCompleteFile() throws IOException {
        Path out = dir.resolve("a.bin");
        AtomicOutput.write(out, ch -> ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3})));
        assertThat(Files.readAllBytes(out)).containsExactly(1, 2, 3);
        try (var s = Files.list(dir)) {
            assertThat(s.toList()).containsExactly(out);
        }
    }

    @Test
    void failureLeavesNothingAndKeepsOldFile() throws IOException {
        Path out = dir.resolve("b.bin");
        Files.write(out, new byte[] {9});
        assertThatThrownBy(() -> AtomicOutput.write(out, ch -> {
            ch.write(ByteBuffer.wrap(new byte[] {1, 2}));
            throw new IOException("No space left on device");
        })).isInstanceOf(WeightclassException.class).hasMessageContaining("no space left");
        assertThat(Files.readAllBytes(out)).containsExactly(9);
        try (var s = Files.list(dir)) {
            assertThat(s.toList()).containsExactly(out);
        }
    }

    @Test
    void missingFolderIsClearError() {
        assertThatThrownBy(() -> AtomicOutput.write(dir.resolve("nope/c.bin"), ch -> {}))
                .isInstanceOf(WeightclassException.class).hasMessageContaining("does not exist");
    }
}
