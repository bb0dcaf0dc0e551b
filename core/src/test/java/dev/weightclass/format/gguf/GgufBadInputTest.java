package dev.weightclass.format.gguf;

import dev.weightclass.cli.Main;
import dev.weightclass.format.FormatException;
import dev.weightclass.format.ModelFile;
import dev.weightclass.tensor.TensorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Malformed GGUF files, crafted byte by byte: each must fail with a {@link FormatException} that
 * names the file, the field and the byte offset, and the CLI must print it as one line.
 */
class GgufBadInputTest {
    private static final int F32 = 0;
    private static final int Q4_0 = 2;

    @TempDir
    Path dir;

    private FormatException rejects(RawGguf file, String field, long offset) throws Exception {
        return rejects(file.bytes(), field, offset);
    }

    private FormatException rejects(byte[] bytes, String field, long offset) throws Exception {
        Path p = Files.write(dir.resolve("bad.gguf"), bytes);
        FormatException e = catchThrowableOfType(FormatException.class, () -> ModelFile.open(p).close());
        assertThat(e).as("expected a FormatException").isNotNull();
        assertThat(e.getMessage()).contains(p.toString()).contains(field).contains("at byte " + offset + " ");
        assertThat(e.field()).contains(field);
        assertThat(e.offset()).isEqualTo(offset);
        assertCliSaysOneLine(p, e.getMessage());
        return e;
    }

    private static void assertCliSaysOneLine(Path p, String message) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(new String[] {"inspect", p.toString()}, new PrintWriter(out), new PrintWriter(err));
        assertThat(code).isEqualTo(2);
        assertThat(out.toString()).isEmpty();
        String e = err.toString();
        assertThat(e.strip()).doesNotContain("\n").doesNotContain("Exception").contains(message);
    }

    @Test
    void wrongMagic() throws Exception {
        byte[] b = RawGguf.header(3, 0, 0).bytes();
        b[0] = 'F';
        b[1] = 'U';
        assertThat(rejects(b, "magic", 0)).hasMessageContaining("not \"GGUF\"");
        assertThat(rejects(new byte[] {0, 1, 2, 3, 4, 5, 6, 7}, "magic", 0)).hasMessageContaining("00 01 02 03");
    }

    @Test
    void unsupportedVersions() throws Exception {
        assertThat(rejects(RawGguf.header(1, 0, 0), "version", 4)).hasMessageContaining("version 1 is not supported");
        assertThat(rejects(RawGguf.header(4, 0, 0), "version", 4)).hasMessageContaining("version 4");
        assertThat(rejects(RawGguf.header(0xffffffffL, 0, 0), "version", 4)).hasMessageContaining("4294967295");
    }

    @Test
    void hugeCounts() throws Exception {
        assertThat(rejects(RawGguf.header(3, 1L << 40, 0), "tensor_count", 8)).hasMessageContaining("1099511627776");
        assertThat(rejects(RawGguf.header(3, -1, 0), "tensor_count", 8)).hasMessageContaining("18446744073709551615");
        rejects(RawGguf.header(3, 0, 1L << 40), "kv_count", 16);
        // A count that fits the file's length arithmetically but not its contents: truncated entry.
        rejects(RawGguf.header(3, 0, 2).kvU32("a", 1).u64(100).zeros(4), "key of metadata entry #1 length", 41);
    }

    @Test
    void stringsLongerThanTheFile() throws Exception {
        rejects(RawGguf.header(3, 0, 1).u64(1000).raw(new byte[] {'a', 'b'}).zeros(20), "key of metadata entry #0 length", 24);
        rejects(RawGguf.header(3, 0, 1).u64(-5).raw(new byte[] {'a', 'b'}).zeros(20), "key of metadata entry #0 length", 24);
        rejects(RawGguf.header(3, 0, 1).str("k").u32(8).u64(1L << 62).zeros(8), "metadata 'k' length", 37);
        rejects(RawGguf.header(3, 1, 0).u64(99).raw(new byte[30]), "name of tensor #0 length", 24);
    }

    @Test
    void unknownValueTypes() throws Exception {
        assertThat(rejects(RawGguf.header(3, 0, 1).str("k").u32(13).u32(0), "metadata 'k' value type", 33))
                .hasMessageContaining("unknown value type 13");
        rejects(RawGguf.header(3, 0, 1).str("k").u32(9).u32(99).u64(0), "metadata 'k' array element type", 37);
        rejects(RawGguf.header(3, 0, 1).str("k").u32(9).u32(4).u64(1L << 40).zeros(16), "metadata 'k' array length", 41);
        rejects(RawGguf.header(3, 0, 1).str("k").u32(9).u32(8).u64(3).str("x").u64(1000).zeros(8), "metadata 'k' element length", 58);
        rejects(RawGguf.header(3, 0, 1).str("k").u32(7).u8(2), "metadata 'k'", 37);
    }

    @Test
    void duplicateKeysAndInvalidUtf8Keys() throws Exception {
        assertThat(rejects(RawGguf.header(3, 0, 2).kvU32("k", 1).kvU32("k", 2), "metadata key 'k'", 41))
                .hasMessageContaining("twice");
        assertThat(rejects(RawGguf.header(3, 0, 1).str(new byte[] {'a', (byte) 0xc3, 0x28}).u32(4).u32(1),
                "key of metadata entry #0", 24)).hasMessageContaining("invalid UTF-8");
        assertThat(rejects(RawGguf.header(3, 1, 0).str(new byte[] {(byte) 0xff}).u32(1).u64(32).u32(F32).u64(0).pad(32).zeros(128),
                "name of tensor #0", 24)).hasMessageContaining("invalid UTF-8");
    }

    @Test
    void deeplyNestedArrays() throws Exception {
        RawGguf f = RawGguf.header(3, 0, 1).str("k").u32(9);
        for (int i = 0; i < 20; i++) f.u32(9).u64(1);
        // Depth 8 is reached after the key (9 bytes), the type (4) and 8 array headers (12 each).
        assertThat(rejects(f, "metadata 'k'", 24 + 9 + 4 + 8 * 12)).hasMessageContaining("nested deeper than 8");
    }

    @Test
    void badAlignment() throws Exception {
        assertThat(rejects(RawGguf.header(3, 0, 1).kvU32("general.alignment", 48), "general.alignment", 24))
                .hasMessageContaining("48 is not a power of two");
        rejects(RawGguf.header(3, 0, 1).kvU32("general.alignment", 0), "general.alignment", 24);
        assertThat(rejects(RawGguf.header(3, 0, 1).kvString("general.alignment", "32"), "general.alignment", 24))
                .hasMessageContaining("UINT32");
    }

    /** One tensor info starting at byte 24: name (8 + n), n_dims (4), ne (8 each), type (4), offset (8). */
    private static RawGguf oneTensor(long[] ne, int type, long offset) {
        return RawGguf.header(3, 1, 0).tensor("t", ne, type, offset);
    }

    @Test
    void unknownTensorType() throws Exception {
        assertThat(rejects(oneTensor(new long[] {32}, 99, 0).pad(32).zeros(256), "tensor 't' type", 45))
                .hasMessageContaining("unknown ggml type id 99");
        rejects(oneTensor(new long[] {32}, 4, 0).pad(32).zeros(256), "tensor 't' type", 45); // id 4 was removed from ggml
    }

    @Test
    void badDimensions() throws Exception {
        assertThat(rejects(oneTensor(new long[] {1L << 32, 1L << 32}, F32, 0), "tensor 't' ne", 33))
                .hasMessageContaining("2^63");
        assertThat(rejects(oneTensor(new long[] {2, 2, 2, 2, 2}, F32, 0), "tensor 't' n_dims", 33))
                .hasMessageContaining("at most 4");
        rejects(oneTensor(new long[] {-3}, F32, 0), "tensor 't' ne[0]", 37);
        assertThat(rejects(oneTensor(new long[] {33}, Q4_0, 0).pad(32).zeros(64), "tensor 't' ne[0]", 37))
                .hasMessageContaining("block size 32");
        // Elements fit in 63 bits but bytes do not.
        rejects(oneTensor(new long[] {1L << 31, 1L << 31}, 28 /* F64 */, 0), "tensor 't'", 24);
    }

    @Test
    void offsetsOutOfRange() throws Exception {
        // The info ends at byte 57; its offset field is the last 8 bytes (49).
        assertThat(rejects(oneTensor(new long[] {8}, F32, 0), "tensor 't' offset", 49))
                .hasMessageContaining("past the end of the file");
        rejects(oneTensor(new long[] {8}, F32, 1L << 60).pad(32).zeros(32), "tensor 't' offset", 49);
        rejects(oneTensor(new long[] {8}, F32, -32).pad(32).zeros(32), "tensor 't' offset", 49);
        rejects(oneTensor(new long[] {16}, F32, 0).pad(32).zeros(63), "tensor 't' offset", 49);
    }

    @Test
    void misalignedOffset() throws Exception {
        assertThat(rejects(oneTensor(new long[] {8}, F32, 4).pad(32).zeros(64), "tensor 't' offset", 49))
                .hasMessageContaining("not a multiple of the alignment 32");
    }

    @Test
    void overlappingTensors() throws Exception {
        RawGguf f = RawGguf.header(3, 2, 0).tensor("a", new long[] {16}, F32, 0).tensor("b", new long[] {16}, F32, 32);
        f.pad(32).zeros(128);
        assertThat(rejects(f, "tensor 'b' offset", 57 + 33 - 8)).hasMessageContaining("overlaps tensor 'a'");
    }

    @Test
    void duplicateTensorNames() throws Exception {
        RawGguf f = RawGguf.header(3, 2, 0).tensor("t", new long[] {8}, F32, 0).tensor("t", new long[] {8}, F32, 32);
        f.pad(32).zeros(64);
        assertThat(rejects(f, "tensor 't'", 57)).hasMessageContaining("appears twice");
    }

    /** Lengths that fit a large file still must not let a header allocate model-sized lists. */
    @Test
    void hugeCountsInALargeFile() throws Exception {
        Path p = dir.resolve("big.gguf");
        Files.write(p, RawGguf.header(3, 0, 1).str("k").u32(9).u32(0).u64(200_000_000L).bytes());
        try (var f = new java.io.RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(300_000_000L); // sparse
        }
        assertThatThrownBy(() -> ModelFile.open(p).close()).isInstanceOf(FormatException.class)
                .hasMessageContaining("at byte 41 ").hasMessageContaining("array length").hasMessageContaining("larger than");

        // 10M tensor infos of zeros fit the length; the second one repeats the empty name.
        Files.write(p, RawGguf.header(3, 10_000_000L, 0).bytes());
        try (var f = new java.io.RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(300_000_000L);
        }
        assertThatThrownBy(() -> ModelFile.open(p).close()).isInstanceOf(FormatException.class)
                .hasMessageContaining("at byte 48 ").hasMessageContaining("appears twice");
    }

    /** A valid file cut short at every length: always a FormatException, never anything else. */
    @Test
    void truncationAnywhere() throws Exception {
        Path good = dir.resolve("good.gguf");
        List<GgufTensorSpec> ts = List.of(new GgufTensorSpec("a", new long[] {32, 2}, TensorType.Q8_0),
                new GgufTensorSpec("b", new long[] {3}, TensorType.F32));
        GgufWriter.write(good, GgufWriterTest.sampleKv(), ts, GgufWriterTest::pattern);
        byte[] all = Files.readAllBytes(good);
        long dataEnd, headerEnd;
        try (GgufFile m = GgufFile.open(good)) {
            assertThat(m.tensors()).hasSize(2);
            var last = m.tensors().getLast();
            dataEnd = last.offset() + last.byteSize();
            headerEnd = m.dataOffset(0);
        }
        assertThat(dataEnd).isLessThan(all.length); // the last tensor's padding may be missing: llama.cpp reads such files
        Path cut = dir.resolve("cut.gguf");
        // Every length in the fixed header, then steps through the metadata, tensor infos and data.
        for (int len = 0; len < dataEnd; len += len < 128 ? 1 : len < headerEnd ? 3 : 11) {
            Files.write(cut, Arrays.copyOf(all, len));
            int n = len;
            assertThatThrownBy(() -> ModelFile.open(cut).close()).as("cut at %d", n)
                    .isInstanceOf(FormatException.class).hasMessageContaining(cut.toString()).hasMessageContaining("at byte ");
        }
        // Spot checks of where the error points: inside the header fields themselves.
        assertThat(rejects(Arrays.copyOf(all, 2), "magic", 0)).hasMessageContaining("file ends");
        rejects(Arrays.copyOf(all, 14), "tensor_count", 8);
    }

    /** Random byte changes in the header: the reader either accepts the file or explains, never crashes. */
    @Test
    void corruptedHeadersNeverCrash() throws Exception {
        Path good = dir.resolve("good.gguf");
        List<GgufTensorSpec> ts = List.of(new GgufTensorSpec("a", new long[] {32, 2}, TensorType.Q8_0),
                new GgufTensorSpec("b", new long[] {3}, TensorType.F32));
        GgufWriter.write(good, GgufWriterTest.sampleKv(), ts, GgufWriterTest::pattern);
        byte[] all = Files.readAllBytes(good);
        long header;
        try (GgufFile m = GgufFile.open(good)) {
            header = m.dataOffset(0);
        }
        Random rnd = new Random(42);
        Path bad = dir.resolve("fuzz.gguf");
        int rejected = 0;
        for (int round = 0; round < 200; round++) {
            byte[] b = all.clone();
            for (int k = 1 + rnd.nextInt(3); k > 0; k--) b[rnd.nextInt((int) header)] = (byte) rnd.nextInt(256);
            Files.write(bad, b);
            try (ModelFile m = ModelFile.open(bad)) {
                for (var t : m.tensors()) assertThat(m.data(t).byteSize()).isEqualTo(t.byteSize());
            } catch (FormatException e) {
                rejected++;
                assertThat(e.getMessage()).contains(bad.toString());
            }
        }
        assertThat(rejected).isGreaterThan(50);
    }
}
