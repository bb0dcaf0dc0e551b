package dev.weightclass.fit;

import dev.weightclass.WeightclassException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DeviceCatalogTest {

    @Test
    void builtInCatalogHasAtLeastFifteenCompleteDevicesAcrossClasses() {
        var devices = DeviceCatalog.builtIn().devices();
        assertThat(devices).hasSizeGreaterThanOrEqualTo(15);
        for (Device d : devices) {
            assertThat(d.ramBytes()).as(d.name()).isPositive();
            assertThat(d.memoryBandwidth()).as(d.name()).isPositive();
            assertThat(d.gpuBandwidth()).as(d.name()).isPositive();
            assertThat(d.cpuGflops()).as(d.name()).isPositive();
            assertThat(d.gpuFp16Tflops()).as(d.name()).isPositive();
            assertThat(d.nativeBudget()).as(d.name()).isPositive().isLessThan(d.ramBytes());
            assertThat(d.webGpuBudget()).as(d.name()).isPositive();
            assertThat(d.storageQuotaBytes()).as(d.name()).isPositive().isLessThan(Long.MAX_VALUE);
            assertThat(d.source()).as(d.name()).isNotBlank();
            assertThat(d.unifiedMemory()).as(d.name()).isEqualTo(d.vramBytes() == 0);
            if (d.webgpu() != null) {
                assertThat(d.webgpu().maxStorageBufferBindingSize()).as(d.name())
                        .isPositive().isLessThanOrEqualTo(d.webgpu().maxBufferSize());
                assertThat(d.webgpu().source()).as(d.name()).isNotBlank();
            }
        }
        Set<String> categories = devices.stream().map(Device::category).collect(Collectors.toSet());
        assertThat(categories).contains("phone-low", "phone-mid", "phone-flagship", "chromebook", "laptop-apple",
                "laptop-igpu", "laptop-nvidia", "desktop-nvidia");
        assertThat(devices.stream().filter(d -> d.webgpu() != null).count()).isGreaterThanOrEqualTo(15);
    }

    @Test
    void findsByNameAliasAndUniquePart() {
        var c = DeviceCatalog.builtIn();
        assertThat(c.find("Google Pixel 8").name()).isEqualTo("Google Pixel 8");
        assertThat(c.find("pixel-8").name()).isEqualTo("Google Pixel 8");
        assertThat(c.find("iphone 15 pro").name()).isEqualTo("Apple iPhone 15 Pro");
        assertThat(c.find("RTX 4090").vramBytes()).isEqualTo(24L << 30);
    }

    @Test
    void unknownNameSuggestsTheNearest() {
        var c = DeviceCatalog.builtIn();
        assertThatThrownBy(() -> c.find("Pixle 8"))
                .isInstanceOf(WeightclassException.class)
                .hasMessageContaining("unknown device 'Pixle 8'")
                .hasMessageContaining("did you mean 'Google Pixel 8'");
        assertThatThrownBy(() -> c.find("Galaxy A16"))
                .hasMessageContaining("did you mean 'Samsung Galaxy A15 5G 4GB'");
    }

    @Test
    void userFileAddsAndReplacesDevices(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("mine.json");
        Files.writeString(f, """
                {"devices": [{"name": "Kiosk tablet", "ram_gib": 3, "memory_bandwidth_gbs": 12.8,
                  "os_reserved_gib": 1, "webgpu": null, "storage_quota_gb": 10}]}
                """);
        var c = DeviceCatalog.builtIn().with(f);
        Device d = c.find("kiosk tablet");
        assertThat(d.nativeBudget()).isEqualTo(2L << 30);
        assertThat(d.webgpu()).isNull();
        assertThat(c.devices()).hasSize(DeviceCatalog.builtIn().devices().size() + 1);
    }

    @Test
    void malformedFilesFailWithOneClearLine(@TempDir Path dir) throws IOException {
        var c = DeviceCatalog.builtIn();
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"devices\": [{\"name\": \"x\", \"ram_gib\": 4,");
        assertThatThrownBy(() -> c.with(bad)).isInstanceOf(WeightclassException.class)
                .hasMessageContaining("bad.json: not valid JSON at line 1");
        Files.writeString(bad, "{\"devices\": [{\"name\": \"x\", \"ram_gib\": -4, \"memory_bandwidth_gbs\": 10}]}");
        assertThatThrownBy(() -> c.with(bad)).hasMessageContaining("device 1 (x): 'ram_gib' must be positive, got -4");
        Files.writeString(bad, "{\"devices\": [{\"ram_gib\": 4}]}");
        assertThatThrownBy(() -> c.with(bad)).hasMessageContaining("device 1: missing or empty 'name'");
        Files.writeString(bad, "{\"devices\": [{\"name\": \"x\", \"ram_gib\": \"lots\", \"memory_bandwidth_gbs\": 10}]}");
        assertThatThrownBy(() -> c.with(bad)).hasMessageContaining("'ram_gib' must be a number");
        Files.writeString(bad, "{\"phones\": []}");
        assertThatThrownBy(() -> c.with(bad)).hasMessageContaining("expected {\"devices\": [...]}");
        Files.writeString(bad, "{\"devices\": [{\"name\": \"x\", \"ram_gib\": 4, \"memory_bandwidth_gbs\": 10,"
                + " \"webgpu\": {\"max_buffer_size\": 0}}]}");
        assertThatThrownBy(() -> c.with(bad)).hasMessageContaining("'max_buffer_size' must be a positive byte count");
    }
}
