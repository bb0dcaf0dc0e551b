package dev.weightclass.web;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelFolderTest {

    @ParameterizedTest
    @ValueSource(strings = {"..", ".", "../x.gguf", "..\\x.gguf", "a/b.gguf", "/etc/passwd", "%2e%2e%2fpasswd",
            "%252e%252e", "C:\\x", "x\u0000.gguf", ".hidden.gguf", "a..b", ""})
    void refusesAnythingButAPlainEntryName(String name, @TempDir Path dir) throws Exception {
        ModelFolder f = new ModelFolder(dir);
        assertThatThrownBy(() -> f.resolve(name)).isInstanceOfSatisfying(ModelFolder.Refused.class,
                e -> assertThat(e.status()).isEqualTo(400));
    }

    @Test
    void resolvesEntriesAndRefusesSymlinksLeadingOut(@TempDir Path root) throws Exception {
        Path dir = Files.createDirectories(root.resolve("models"));
        Path outside = Files.writeString(root.resolve("secret.gguf"), "secret");
        Files.writeString(dir.resolve("m.gguf"), "GGUF");
        Files.createSymbolicLink(dir.resolve("link-out.gguf"), outside);
        Files.createSymbolicLink(dir.resolve("link-in.gguf"), dir.resolve("m.gguf"));
        Files.createSymbolicLink(dir.resolve("dir-out"), root);
        ModelFolder f = new ModelFolder(dir);
        assertThat(f.resolve("m.gguf")).isEqualTo(dir.toRealPath().resolve("m.gguf"));
        assertThat(f.resolve("link-in.gguf")).isEqualTo(dir.toRealPath().resolve("m.gguf"));
        for (String n : new String[] {"link-out.gguf", "dir-out", "missing.gguf"}) {
            assertThatThrownBy(() -> f.resolve(n)).isInstanceOfSatisfying(ModelFolder.Refused.class,
                    e -> assertThat(e.status()).isEqualTo(404));
        }
        assertThat(f.list()).containsExactly("link-in.gguf", "m.gguf");
    }
}
