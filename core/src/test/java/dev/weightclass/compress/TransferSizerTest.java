package dev.weightclass.compress;

import com.aayushatharva.brotli4j.encoder.Encoder;
import com.github.luben.zstd.Zstd;
import dev.weightclass.SharedData;
import dev.weightclass.WeightclassException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class TransferSizerTest {

    /** Looked up per test: without ../shared the test is skipped, not the class broken. */
    private static Path model() {
        return SharedData.data("aidreams260K/aidreams260K-f32.gguf");
    }

    /** With one chunk the size is each library's own single-stream size, to the byte. */
    @Test
    void oneChunkEqualsTheCompressorsOwnOutput() throws IOException {
        Path model = model();
        byte[] bytes = Files.readAllBytes(model);
        TransferSizer one = new TransferSizer(1 << 20, 2, null);
        List<CompressedSize> r = one.measure(model, List.of(Codec.parse("gzip"), Codec.parse("zstd"), Codec.parse("brotli")));

        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) { out.write(bytes); }
        assertThat(r.get(0).bytes()).isEqualTo(gz.size());
        assertThat(r.get(1).bytes()).isEqualTo(Zstd.compress(bytes, 3).length);
        assertThat(r.get(2).bytes()).isEqualTo(Encoder.compress(bytes, new Encoder.Parameters().setQuality(5)).length);
        assertThat(r.get(0).inputBytes()).isEqualTo(bytes.length);
        assertThat(r.get(0).ratio()).isLessThan(1.0);
    }

    /** Independent chunks cost a little: more than one stream, but close. */
    @Test
    void independentChunksAreSlightlyLargerThanOneStream() throws IOException {
        Path model = model();
        long whole = new TransferSizer(1 << 20, 1, null).measure(model, List.of(Codec.parse("zstd"))).getFirst().bytes();
        CompressedSize chunked = new TransferSizer(64 << 10, 2, null).measure(model, List.of(Codec.parse("zstd"))).getFirst();
        assertThat(chunked.bytes()).isGreaterThanOrEqualTo(whole);
        assertThat((double) chunked.bytes() / whole).isCloseTo(1.0, within(0.02));
    }

    @Test
    void codecsAndLevelsParse() {
        assertThat(Codec.parse("zstd:19")).isEqualTo(Codec.ZSTD.at(19));
        assertThat(Codec.parse("GZIP").level()).isEqualTo(6);
        assertThatThrownBy(() -> Codec.parse("lz4")).isInstanceOf(WeightclassException.class);
        assertThatThrownBy(() -> Codec.parse("gzip:12")).hasMessageContaining("out of range");
    }

    @Test
    void bandwidthUnits() {
        assertThat(Bandwidth.parse("50Mbps").bytesPerSecond()).isEqualTo(6.25e6);
        assertThat(Bandwidth.parse("1Gbps").bytesPerSecond()).isEqualTo(1.25e8);
        assertThat(Bandwidth.parse("800Kbps").bytesPerSecond()).isEqualTo(1e5);
        assertThat(Bandwidth.parse("10MB/s").bytesPerSecond()).isEqualTo(1e7);
        assertThat(Bandwidth.parse("2 MiB/s").bytesPerSecond()).isEqualTo(2 * 1024 * 1024);
        assertThat(Bandwidth.parse("50Mbps").seconds(4_081_004_224L)).isCloseTo(652.96, within(0.01));
        assertThat(Bandwidth.human(653)).isEqualTo("10 min 53 s");
        assertThatThrownBy(() -> Bandwidth.parse("fast")).isInstanceOf(WeightclassException.class);
        assertThatThrownBy(() -> Bandwidth.parse("0Mbps")).hasMessageContaining("positive");
    }
}
