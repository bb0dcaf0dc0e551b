package dev.weightclass.format;

import dev.weightclass.WeightclassException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BundledModelsTest {

    @Test
    void extractsOnceIntoTheCacheAndReusesTheCopy() throws IOException {
        Path p = BundledModels.extract(BundledModels.MINILM_L6_V2_INT8);
        assertThat(p).startsWith(BundledModels.cacheRoot());
        assertThat(p.getFileName().toString()).isEqualTo("all-minilm-l6-v2-q.onnx");
        assertThat(Files.size(p)).isEqualTo(22_972_370L); // the size the data README gives for this jar entry
        assertThat(p.resolveSibling("tokenizer.json")).isRegularFile();
        FileTime stamp = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(p, stamp);
        assertThat(BundledModels.extract(BundledModels.MINILM_L6_V2_INT8)).isEqualTo(p);
        assertThat(Files.getLastModifiedTime(p)).isEqualTo(stamp); // not rewritten
    }

    @Test
    void aCopyOfTheWrongSizeIsReplaced() throws IOException {
        Path p = BundledModels.extract(BundledModels.MINILM_L6_V2_INT8);
        Files.write(p, new byte[10]);
        assertThat(Files.size(BundledModels.extract(BundledModels.MINILM_L6_V2_INT8))).isEqualTo(22_972_370L);
    }

    @Test
    void aMissingJarSaysWhichArtifactIsNeeded() {
        var missing = new BundledModels.Bundled("nothing", "none", "no/such/model.onnx", null, "org.example:absent:1.0");
        assertThat(BundledModels.available(missing)).isFalse();
        assertThatThrownBy(() -> BundledModels.extract(missing)).isInstanceOf(WeightclassException.class)
                .hasMessageContaining("org.example:absent:1.0");
    }
}
