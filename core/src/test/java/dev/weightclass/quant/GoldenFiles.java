package dev.weightclass.quant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weightclass.SharedData;
import dev.weightclass.tensor.TensorType;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reads tensors of the llama.cpp golden files through {@code tensor-manifest.json} (name, ggml
 * type, ne, absolute data offset, sha256), independent of the project's GGUF reader. Every read
 * is checked against the manifest's sha256, so a wrong offset cannot pass silently.
 */
final class GoldenFiles {
    private GoldenFiles() {}

    record Tensor(String file, String name, TensorType type, long[] ne, long offset, long bytes, String sha256) {
        int rowLength() { return (int) ne[0]; }

        int rows() {
            long r = 1;
            for (int i = 1; i < ne.length; i++) r *= ne[i];
            return (int) r;
        }

        boolean is2d() { return ne.length >= 2; }
    }

    private static JsonNode manifest;

    static synchronized JsonNode manifest() throws IOException {
        if (manifest == null) {
            manifest = new ObjectMapper().readTree(SharedData.golden("tensor-manifest.json").toFile());
        }
        return manifest;
    }

    static List<Tensor> tensors(String file) throws IOException {
        JsonNode f = manifest().get(file);
        assertThat(f).as("manifest entry for " + file).isNotNull();
        List<Tensor> out = new ArrayList<>();
        for (JsonNode t : f.get("tensors")) {
            long[] ne = new long[t.get("ne").size()];
            for (int i = 0; i < ne.length; i++) ne[i] = t.get("ne").get(i).asLong();
            TensorType type = TensorType.fromName(t.get("type").asText()).orElseThrow();
            out.add(new Tensor(file, t.get("name").asText(), type, ne, t.get("data_offset").asLong(),
                    t.get("n_bytes").asLong(), t.get("sha256").asText()));
        }
        return out;
    }

    static Tensor tensor(String file, String name) throws IOException {
        return tensors(file).stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
    }

    /** The tensor's raw data bytes, verified against the manifest's sha256. */
    static byte[] bytes(Tensor t) throws IOException {
        Path p = SharedData.golden(t.file());
        byte[] b = new byte[Math.toIntExact(t.bytes())];
        try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "r")) {
            raf.seek(t.offset());
            raf.readFully(b);
        }
        assertThat(sha256(b)).as("sha256 of " + t.file() + " " + t.name()).isEqualTo(t.sha256());
        return b;
    }

    private static final java.util.Map<String, float[]> FLOATS = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * A F32 or F16 tensor's values as floats (F16 widened exactly, as llama-quantize does),
     * cached: several tests quantize the same small source tensors. Callers must not modify.
     */
    static float[] floats(Tensor t) throws IOException {
        String key = t.file() + "/" + t.name();
        float[] cached = FLOATS.get(key);
        if (cached != null) return cached;
        float[] x = readFloats(t);
        FLOATS.put(key, x);
        return x;
    }

    private static float[] readFloats(Tensor t) throws IOException {
        byte[] b = bytes(t);
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int n = (int) (t.rowLength() * (long) t.rows());
        float[] out = new float[n];
        switch (t.type()) {
            case F32 -> bb.asFloatBuffer().get(out);
            case F16 -> { for (int i = 0; i < n; i++) out[i] = Float.float16ToFloat(bb.getShort(2 * i)); }
            default -> throw new IllegalArgumentException("not a float tensor: " + t);
        }
        return out;
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
