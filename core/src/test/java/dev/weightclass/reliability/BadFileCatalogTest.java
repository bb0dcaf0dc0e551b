package dev.weightclass.reliability;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weightclass.SharedData;
import dev.weightclass.cli.Main;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A catalogue of bad files made from the real fixtures: every section boundary truncated, magic
 * and version flipped, counts and lengths set huge, offsets outside the file or overlapping,
 * misaligned data, dimension products that overflow, duplicate names, invalid UTF-8, deep
 * nesting, oversized safetensors headers. For each, the CLI must exit 2 with one line that names
 * the file, and no stack trace. The messages are written to target/bad-file-catalogue.txt.
 */
class BadFileCatalogTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger CASES = new AtomicInteger();
    private static final StringBuilder REPORT = new StringBuilder();

    @TempDir
    static Path dir;

    record Case(String name, String fileName, byte[] bytes, List<String> command) {}

    @TestFactory
    List<DynamicTest> everyBadFileGetsOneLine() throws IOException {
        List<Case> cases = new ArrayList<>();
        cases.addAll(gguf(Files.readAllBytes(SharedData.data("aidreams260K/aidreams260K-q4_0.gguf"))));
        cases.addAll(ggufCrafted());
        cases.addAll(safetensors(Files.readAllBytes(SharedData.data("aidreams260K/hf/model.safetensors"))));
        cases.addAll(llama2c(Files.readAllBytes(SharedData.data("aidreams260K/aidreams260K.bin"))));
        cases.addAll(onnx(Files.readAllBytes(SharedData.data("aidreams260K/aidreams260K.onnx"))));
        cases.addAll(configs(Files.readAllBytes(SharedData.data("aidreams260K/hf/config.json"))));
        cases.addAll(devices());
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : cases) tests.add(DynamicTest.dynamicTest(c.name(), () -> check(c)));
        return tests;
    }

    @AfterAll
    static void writeReport() throws IOException {
        if (CASES.get() == 0) return;
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", "bad-file-catalogue.txt"), REPORT.toString());
        System.out.println("bad-file catalogue: " + CASES.get() + " cases, each exit 2 with one line");
    }

    private void check(Case c) throws IOException {
        Path folder = Files.createDirectories(dir.resolve("case-" + CASES.incrementAndGet()));
        Path file = folder.resolve(c.fileName());
        if (c.bytes() != null) Files.write(file, c.bytes());
        else hugeSafetensorsHeader(file);
        List<String> args = new ArrayList<>();
        for (String a : c.command()) args.add(a.replace("FILE", file.toString()));
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(args.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err));
        String e = err.toString().strip();
        synchronized (REPORT) {
            REPORT.append(c.name()).append(" -> exit ").append(code).append(": ").append(e).append('\n');
        }
        assertThat(code).as("%s: exit code (stderr: %s)", c.name(), e).isEqualTo(2);
        assertThat(out.toString()).as("%s: stdout", c.name()).isEmpty();
        assertThat(e).as("%s: one line", c.name()).doesNotContain("\n").isNotEmpty()
                .doesNotContain("Exception").doesNotContain("\tat ").doesNotContain("internal error")
                .contains(c.fileName());
    }

    // ---- GGUF -----------------------------------------------------------------------------------

    private static List<Case> gguf(byte[] real) {
        GgufFields f = new GgufFields(real);
        List<Case> out = new ArrayList<>();
        for (int at : f.boundaries) out.add(gguf("truncated at section boundary " + at, Arrays.copyOf(real, at)));
        for (int at : new int[] {0, 1, 3, 23, f.dataStart - 1, f.dataStart + 1}) {
            out.add(gguf("truncated at byte " + at, Arrays.copyOf(real, at)));
        }
        SplittableRandom r = new SplittableRandom(7);
        int dataEnd = f.dataStart + (real.length - f.dataStart) / 2;
        for (int i = 0; i < 20; i++) {
            int at = r.nextInt(dataEnd);
            out.add(gguf("truncated at random byte " + at, Arrays.copyOf(real, at)));
        }
        out.add(gguf("magic flipped", set(real, 0, new byte[] {'X'})));
        for (long v : new long[] {0, 1, 4, 0xffffffffL}) out.add(gguf("version " + v, u32(real, 4, v)));
        out.add(gguf("tensor count 2^62", u64(real, 8, 1L << 62)));
        out.add(gguf("tensor count -1", u64(real, 8, -1)));
        out.add(gguf("kv count 2^62", u64(real, 16, 1L << 62)));
        out.add(gguf("key length 2^40", u64(real, f.keyAts.getFirst() - 8, 1L << 40)));
        out.add(gguf("key with invalid UTF-8", set(real, f.keyAts.getFirst(), new byte[] {(byte) 0xff})));
        out.add(gguf("value type 13", u32(real, keyTypeAt(real, f.keyAts.getFirst()), 13)));
        GgufFields.Tensor t0 = f.tensors.getFirst(), t1 = f.tensors.get(1), last = f.tensors.getLast();
        out.add(gguf("tensor name length 2^40", u64(real, t0.nameAt() - 8, 1L << 40)));
        out.add(gguf("tensor name with invalid UTF-8", set(real, t0.nameAt(), new byte[] {(byte) 0xc3})));
        out.add(gguf("tensor dims 5", u32(real, t0.dimsCountAt(), 5)));
        out.add(gguf("tensor dims 2^32-1", u32(real, t0.dimsCountAt(), 0xffffffffL)));
        out.add(gguf("tensor type 99", u32(real, t0.typeAt(), 99)));
        out.add(gguf("tensor type 4 (removed Q4_2)", u32(real, t0.typeAt(), 4)));
        out.add(gguf("tensor offset outside the file", u64(real, t0.offsetAt(), 1L << 50)));
        out.add(gguf("last tensor runs past the end", u64(real, last.offsetAt(), real.length - f.dataStart - 32)));
        out.add(gguf("tensors overlap", u64(real, t1.offsetAt(), ByteBuffer.wrap(real).order(ByteOrder.LITTLE_ENDIAN).getLong(t0.offsetAt()))));
        out.add(gguf("misaligned tensor offset", u64(real, t1.offsetAt(), ByteBuffer.wrap(real).order(ByteOrder.LITTLE_ENDIAN).getLong(t1.offsetAt()) + 1)));
        GgufFields.Tensor twoD = f.tensors.stream().filter(t -> t.dims() == 2).findFirst().orElseThrow();
        out.add(gguf("dimension product overflows 64 bits",
                u64(u64(real, twoD.dimsAt(), 1L << 40), twoD.dimsAt() + 8, 1L << 40)));
        out.add(gguf("dimension -1", u64(real, twoD.dimsAt(), -1)));
        GgufFields.Tensor[] same = sameNameLength(f);
        if (same != null) {
            byte[] dup = real.clone();
            System.arraycopy(real, same[0].nameAt(), dup, same[1].nameAt(), same[0].nameLength());
            out.add(gguf("duplicate tensor name", dup));
        }
        return out;
    }

    private static Case gguf(String name, byte[] bytes) {
        return new Case("gguf: " + name, "model.gguf", bytes, List.of("inspect", "FILE"));
    }

    /** Files that no fixture can be bent into: deep nesting, an undefined type in an array. */
    private static List<Case> ggufCrafted() throws IOException {
        List<Case> out = new ArrayList<>();
        for (int depth : new int[] {64, 100_000}) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            b.writeBytes("GGUF".getBytes(StandardCharsets.US_ASCII));
            b.writeBytes(le32(3));
            b.writeBytes(le64(0));
            b.writeBytes(le64(1));
            b.writeBytes(le64(6));
            b.writeBytes("nested".getBytes(StandardCharsets.US_ASCII));
            b.writeBytes(le32(9));
            for (int i = 0; i < depth; i++) {
                b.writeBytes(le32(9));    // array of arrays...
                b.writeBytes(le64(1));
            }
            b.writeBytes(le32(4));
            b.writeBytes(le64(1));
            b.writeBytes(le32(7));
            out.add(gguf("arrays nested " + depth + " deep", b.toByteArray()));
        }
        Path synthetic = SharedData.data("llamacpp-vocab/synthetic");
        try (var s = Files.list(synthetic)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".gguf")).sorted().toList()) {
                out.add(gguf("llama.cpp's own bad file " + p.getFileName(), Files.readAllBytes(p)));
            }
        }
        return out;
    }

    private static int keyTypeAt(byte[] real, int keyAt) {
        long len = ByteBuffer.wrap(real).order(ByteOrder.LITTLE_ENDIAN).getLong(keyAt - 8);
        return (int) (keyAt + len);
    }

    private static GgufFields.Tensor[] sameNameLength(GgufFields f) {
        for (int i = 0; i < f.tensors.size(); i++) {
            for (int j = i + 1; j < f.tensors.size(); j++) {
                if (f.tensors.get(i).nameLength() == f.tensors.get(j).nameLength()) {
                    return new GgufFields.Tensor[] {f.tensors.get(i), f.tensors.get(j)};
                }
            }
        }
        return null;
    }

    // ---- safetensors ----------------------------------------------------------------------------

    private static List<Case> safetensors(byte[] real) throws IOException {
        List<Case> out = new ArrayList<>();
        long headerLength = ByteBuffer.wrap(real).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        int dataStart = (int) (8 + headerLength);
        ObjectNode header = (ObjectNode) JSON.readTree(Arrays.copyOfRange(real, 8, dataStart));
        byte[] data = Arrays.copyOfRange(real, dataStart, real.length);
        for (int at : new int[] {0, 7, 8, 9, 8 + (int) headerLength / 2, dataStart - 1, dataStart, dataStart + data.length / 2, real.length - 1}) {
            out.add(st("truncated at byte " + at, Arrays.copyOf(real, at)));
        }
        out.add(st("header length beyond the file", u64(real, 0, real.length)));
        out.add(st("header length 2^63-1", u64(real, 0, Long.MAX_VALUE)));
        out.add(new Case("safetensors: header over 100 MB (sparse file)", "model.safetensors", null, List.of("inspect", "FILE")));
        out.add(st("header does not start with '{'", set(real, 8, new byte[] {'['})));
        out.add(st("header with invalid UTF-8", set(real, 8 + (int) headerLength / 2, new byte[] {(byte) 0xff})));
        String first = header.fieldNames().next().equals("__metadata__") ? secondName(header) : header.fieldNames().next();
        out.add(st("offsets outside the data", edit(header, data, h -> offsets(h, first, 0, data.length + 4096L))));
        out.add(st("begin after end", edit(header, data, h -> offsets(h, first, 16, 8))));
        out.add(st("tensors overlap", edit(header, data, h -> {
            String other = otherName(h, first);
            ArrayNode o = (ArrayNode) h.get(first).get("data_offsets");
            ((ObjectNode) h.get(other)).set("data_offsets", o.deepCopy());
        })));
        out.add(st("unknown dtype", edit(header, data, h -> ((ObjectNode) h.get(first)).put("dtype", "F99"))));
        out.add(st("shape product overflows", edit(header, data, h -> {
            ArrayNode shape = JSON.createArrayNode().add(1L << 40).add(1L << 40).add(1L << 40);
            ((ObjectNode) h.get(first)).set("shape", shape);
        })));
        out.add(st("shape does not match the byte range", edit(header, data, h -> {
            ((ObjectNode) h.get(first)).set("shape", JSON.createArrayNode().add(3));
        })));
        out.add(st("negative dimension", edit(header, data, h -> {
            ((ObjectNode) h.get(first)).set("shape", JSON.createArrayNode().add(-1));
        })));
        out.add(st("header is not an object", withHeader("[]".getBytes(StandardCharsets.UTF_8), data)));
        out.add(st("metadata values not strings", edit(header, data, h -> h.set("__metadata__", JSON.createObjectNode().put("format", 7)))));
        String text = JSON.writeValueAsString(header);
        int cut = text.indexOf(",\"", 1);
        String dupe = "{" + text.substring(1, cut) + "," + text.substring(1, cut) + text.substring(cut);
        out.add(st("duplicate tensor name", withHeader(dupe.getBytes(StandardCharsets.UTF_8), data)));
        return out;
    }

    private static Case st(String name, byte[] bytes) {
        return new Case("safetensors: " + name, "model.safetensors", bytes, List.of("inspect", "FILE"));
    }

    private static String secondName(ObjectNode h) {
        Iterator<String> it = h.fieldNames();
        it.next();
        return it.next();
    }

    private static String otherName(ObjectNode h, String not) {
        for (Iterator<String> it = h.fieldNames(); it.hasNext(); ) {
            String n = it.next();
            if (!n.equals(not) && !n.equals("__metadata__")) return n;
        }
        throw new IllegalStateException("one tensor only");
    }

    private static void offsets(ObjectNode h, String name, long begin, long end) {
        ((ObjectNode) h.get(name)).set("data_offsets", JSON.createArrayNode().add(begin).add(end));
    }

    private static byte[] edit(ObjectNode header, byte[] data, java.util.function.Consumer<ObjectNode> change) {
        ObjectNode h = header.deepCopy();
        change.accept(h);
        try {
            return withHeader(JSON.writeValueAsBytes(h), data);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] withHeader(byte[] json, byte[] data) {
        int padded = (json.length + 7) / 8 * 8;
        byte[] out = new byte[8 + padded + data.length];
        System.arraycopy(le64(padded), 0, out, 0, 8);
        Arrays.fill(out, 8, 8 + padded, (byte) ' ');
        System.arraycopy(json, 0, out, 8, json.length);
        System.arraycopy(data, 0, out, 8 + padded, data.length);
        return out;
    }

    /** A header length of 100 MB + 1 in a sparse file that really is that long. */
    private static void hugeSafetensorsHeader(Path file) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.write(le64(100_000_001L));
            f.write('{');
            f.setLength(8 + 100_000_001L + 64);
        }
    }

    // ---- llama2.c, ONNX -------------------------------------------------------------------------

    private static List<Case> llama2c(byte[] real) {
        List<Case> out = new ArrayList<>();
        for (int at : new int[] {0, 4, 27, 28, 29, real.length / 2, real.length - 1}) {
            out.add(l2c("truncated at byte " + at, Arrays.copyOf(real, at)));
        }
        out.add(l2c("one byte too many", Arrays.copyOf(real, real.length + 1)));
        String[] fields = {"dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"};
        for (int i = 0; i < fields.length; i++) {
            out.add(l2c(fields[i] + " = 0", u32(real, 4 * i, 0)));
            out.add(l2c(fields[i] + " = 2^30", u32(real, 4 * i, 1 << 30)));
            if (i != 5) out.add(l2c(fields[i] + " = -7", u32(real, 4 * i, -7)));
        }
        out.add(l2c("heads do not divide dim", u32(real, 12, 7)));
        return out;
    }

    private static Case l2c(String name, byte[] bytes) {
        return new Case("llama2.c: " + name, "model.bin", bytes, List.of("inspect", "FILE"));
    }

    private static List<Case> onnx(byte[] real) {
        List<Case> out = new ArrayList<>();
        for (int i = 1; i <= 9; i++) {
            int at = (int) ((long) real.length * i / 10);
            out.add(new Case("onnx: truncated at " + (i * 10) + "% (byte " + at + ")", "model.onnx",
                    Arrays.copyOf(real, at), List.of("inspect", "FILE")));
        }
        out.add(new Case("onnx: not protobuf", "model.onnx", "this is not an onnx model\n".repeat(10).getBytes(StandardCharsets.UTF_8),
                List.of("inspect", "FILE")));
        return out;
    }

    // ---- config.json, device files --------------------------------------------------------------

    private static List<Case> configs(byte[] real) throws IOException {
        ObjectNode c = (ObjectNode) JSON.readTree(real);
        List<Case> out = new ArrayList<>();
        out.add(cfg("not JSON", "{\"hidden_size\": 64,".getBytes(StandardCharsets.UTF_8)));
        out.add(cfg("an array, not an object", "[1, 2]".getBytes(StandardCharsets.UTF_8)));
        out.add(cfg("invalid UTF-8", set(real, 2, new byte[] {(byte) 0xfe})));
        for (Map.Entry<String, Object> e : Map.<String, Object>of(
                "num_attention_heads", 0, "vocab_size", -1, "hidden_size", 0, "num_hidden_layers", -2,
                "model_type", "fancy-arch", "intermediate_size", "many", "num_key_value_heads", 3).entrySet()) {
            ObjectNode bad = c.deepCopy();
            bad.set(e.getKey(), JSON.valueToTree(e.getValue()));
            out.add(cfg(e.getKey() + " = " + e.getValue(), JSON.writeValueAsBytes(bad)));
        }
        ObjectNode missing = c.deepCopy();
        missing.remove("hidden_size");
        out.add(cfg("hidden_size missing", JSON.writeValueAsBytes(missing)));
        return out;
    }

    private static Case cfg(String name, byte[] bytes) {
        return new Case("config.json: " + name, "config.json", bytes, List.of("size", "FILE"));
    }

    private static List<Case> devices() {
        List<Case> out = new ArrayList<>();
        String[] bad = {
                "{\"devices\": [",
                "[]",
                "{\"devices\": [{\"name\": \"x\", \"ram_gib\": -4}]}",
                "{\"devices\": [{\"ram_gib\": 8}]}",
                "{\"devices\": 7}",
        };
        String[] names = {"not JSON", "an empty list", "negative RAM", "no name", "devices not a list"};
        for (int i = 0; i < bad.length; i++) {
            out.add(new Case("devices file: " + names[i], "devices.json", bad[i].getBytes(StandardCharsets.UTF_8),
                    List.of("fit", "tinyllama-1.1b", "--devices", "FILE")));
        }
        return out;
    }

    // ---- bytes ----------------------------------------------------------------------------------

    private static byte[] set(byte[] b, int at, byte[] v) {
        byte[] c = b.clone();
        System.arraycopy(v, 0, c, at, v.length);
        return c;
    }

    private static byte[] u32(byte[] b, int at, long v) { return set(b, at, le32((int) v)); }

    private static byte[] u64(byte[] b, int at, long v) { return set(b, at, le64(v)); }

    private static byte[] le32(int v) { return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array(); }

    private static byte[] le64(long v) { return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array(); }
}
