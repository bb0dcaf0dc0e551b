package dev.weightclass.distill.encoder;

import dev.weightclass.format.AtomicOutput;
import dev.weightclass.runtime.bert.BertModel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * The teacher's sentence embeddings of the training sentences, computed once with core's runtime
 * encoder (several times faster than the training engine's forward) and cached on disk: a run with
 * the same teacher file and the same token ids reads them back.
 * <p>Cache file: {@code "WCTE"}, int version, 32-byte key, int count, int width, then count × width
 * float32, little-endian. The key is SHA-256 over the teacher file's name, size and modification
 * time and every sentence's token ids; a file whose key or length does not match is recomputed.
 */
public final class TeacherEmbeddings {
    private TeacherEmbeddings() {}

    private static final int MAGIC = 0x45544357; // "WCTE" little-endian
    private static final int VERSION = 1;
    private static final int HEADER = 4 + 4 + 32 + 4 + 4;

    /** The default cache file for these inputs, in {@code dir}. */
    public static Path defaultFile(Path dir, Path teacher, List<int[]> sentences) throws IOException {
        return dir.resolve("teacher-" + HexFormat.of().formatHex(key(teacher, sentences), 0, 8) + ".emb");
    }

    /**
     * Embeddings [count][width] of the token id lists {@code sentences}, from {@code file} when it
     * holds them, else computed ({@code batch} sentences at a time, {@code progress} told the count
     * done) and saved there.
     */
    public static float[][] get(BertModel teacher, Path teacherFile, List<int[]> sentences, Path file, int batch,
                                IntConsumer progress) throws IOException {
        byte[] key = key(teacherFile, sentences);
        int width = teacher.config().hidden();
        float[][] cached = read(file, key, sentences.size(), width);
        if (cached != null) return cached;
        float[][] out = new float[sentences.size()][];
        for (int from = 0; from < sentences.size(); from += batch) {
            int to = Math.min(sentences.size(), from + batch);
            float[][] e = teacher.embed(sentences.subList(from, to));
            System.arraycopy(e, 0, out, from, e.length);
            progress.accept(to);
        }
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) Files.createDirectories(dir);
        write(file, key, out, width);
        return out;
    }

    static byte[] key(Path teacher, List<int[]> sentences) throws IOException {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update((teacher.getFileName() + "\n" + Files.size(teacher) + "\n" + Files.getLastModifiedTime(teacher).toMillis()
                    + "\n").getBytes(StandardCharsets.UTF_8));
            ByteBuffer ids = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            for (int[] s : sentences) {
                for (int id : s) d.update(ids.clear().putInt(id).array());
                d.update(ids.clear().putInt(-1).array());
            }
            return d.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The cached embeddings, or null when the file is missing or for other input. */
    static float[][] read(Path file, byte[] key, int count, int width) throws IOException {
        if (!Files.isRegularFile(file) || Files.size(file) != HEADER + 4L * count * width) return null;
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt() != MAGIC || b.getInt() != VERSION) return null;
        byte[] k = new byte[32];
        b.get(k);
        if (!MessageDigest.isEqual(k, key) || b.getInt() != count || b.getInt() != width) return null;
        float[][] out = new float[count][width];
        java.nio.FloatBuffer values = b.asFloatBuffer();
        for (float[] row : out) values.get(row);
        return out;
    }

    private static void write(Path file, byte[] key, float[][] rows, int width) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(HEADER + 4 * rows.length * width).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).putInt(VERSION).put(key).putInt(rows.length).putInt(width);
        for (float[] row : rows) for (float v : row) b.putFloat(v);
        AtomicOutput.write(file, b.array());
    }
}
