package dev.weightclass.format;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;

class AtomicOutputPermissionsTest {

    @Test
    void newOutputsAreWorldReadableAndReplacedOnesKeepTheirPermissions(@TempDir Path dir) throws Exception {
        Path fresh = dir.resolve("report.html");
        AtomicOutput.write(fresh, "<p>hi</p>".getBytes());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh))).isEqualTo("rw-r--r--");
        Path existing = Files.writeString(dir.resolve("variants.json"), "{}");
        Files.setPosixFilePermissions(existing, PosixFilePermissions.fromString("rw-rw----"));
        AtomicOutput.write(existing, "{\"variants\": []}".getBytes());
        assertThat(Files.readString(existing)).isEqualTo("{\"variants\": []}");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(existing))).isEqualTo("rw-rw----");
    }
}
