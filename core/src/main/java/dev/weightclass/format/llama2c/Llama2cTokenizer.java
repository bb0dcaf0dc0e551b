package dev.weightclass.format.llama2c;

import dev.weightclass.format.ByteReader;
import dev.weightclass.format.FormatException;
import dev.weightclass.format.MappedFile;
import dev.weightclass.format.TokenizerInfo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A llama2.c {@code tokenizer.bin}: int32 max_token_length, then per token an f32 merge score, an
 * int32 byte length and the piece's bytes, until the end of the file. The token count is not
 * stored; it is whatever the file holds (and must equal the model's vocab_size).
 */
public final class Llama2cTokenizer {
    private final Path path;
    private final int maxTokenLength;
    private final List<byte[]> pieces;
    private final float[] scores;
    private final long bytes;

    private Llama2cTokenizer(Path path, int maxTokenLength, List<byte[]> pieces, float[] scores, long bytes) {
        this.path = path;
        this.maxTokenLength = maxTokenLength;
        this.pieces = pieces;
        this.scores = scores;
        this.bytes = bytes;
    }

    /** Reads every token of the file. */
    public static Llama2cTokenizer read(Path path) throws IOException {
        return read(path, MAX_TOKENS);
    }

    /** Largest vocabulary read: far above any real one, and it bounds the heap a bad file can take. */
    static final int MAX_TOKENS = 1 << 22;

    /** Reads at most {@code limit} tokens; a file holding more is refused without reading on. */
    static Llama2cTokenizer read(Path path, int limit) throws IOException {
        try (MappedFile f = MappedFile.open(path)) {
            ByteReader r = f.reader(0);
            int max = r.i32("max_token_length");
            if (max < 1 || max > (1 << 16)) {
                throw new FormatException(path, "max_token_length", 0, "implausible max_token_length " + max);
            }
            List<byte[]> pieces = new ArrayList<>();
            float[] scores = new float[1024];
            while (r.remaining() > 0) {
                int i = pieces.size();
                if (i == limit) {
                    throw new FormatException(path, "token " + i, r.position(), "more than " + limit + " tokens");
                }
                String field = "token " + i;
                float score = r.f32(field + " score");
                long at = r.position();
                int len = r.i32(field + " length");
                if (len < 0 || len > max) {
                    throw new FormatException(path, field + " length", at,
                            "length " + len + " is not in 0..max_token_length (" + max + ")");
                }
                pieces.add(r.bytes(len, field + " bytes"));
                if (i == scores.length) scores = Arrays.copyOf(scores, i * 2);
                scores[i] = score;
            }
            return new Llama2cTokenizer(path, max, List.copyOf(pieces), Arrays.copyOf(scores, pieces.size()), f.length());
        }
    }

    /**
     * The tokenizer beside a checkpoint: {@code tokenizer.bin}, {@code tok<vocab>.bin}, then any
     * other {@code tok*.bin}; the first holding exactly {@code vocab} tokens. Files of another
     * size or shape belong to other models and are passed over.
     */
    static Optional<Llama2cTokenizer> beside(Path checkpoint, int vocab) throws IOException {
        Path dir = checkpoint.toAbsolutePath().getParent();
        if (dir == null) return Optional.empty();
        List<Path> candidates = new ArrayList<>();
        candidates.add(dir.resolve("tokenizer.bin"));
        candidates.add(dir.resolve("tok" + vocab + ".bin"));
        try (var s = Files.list(dir)) {
            s.filter(p -> {
                String n = p.getFileName().toString();
                return n.startsWith("tok") && n.endsWith(".bin");
            }).sorted().forEach(candidates::add);
        }
        Path self = checkpoint.toAbsolutePath().normalize();
        for (Path p : candidates.stream().distinct().toList()) {
            if (!Files.isRegularFile(p) || p.toAbsolutePath().normalize().equals(self)) continue;
            try {
                Llama2cTokenizer t = read(p, vocab);
                if (t.size() == vocab) return Optional.of(t);
            } catch (FormatException e) {
                // not this model's tokenizer
            }
        }
        return Optional.empty();
    }

    public Path path() { return path; }

    public int maxTokenLength() { return maxTokenLength; }

    public int size() { return pieces.size(); }

    /** The piece's raw bytes (UTF-8 text, or e.g. {@code <0x0A>} for byte-fallback tokens). */
    public byte[] piece(int id) { return pieces.get(id).clone(); }

    public float score(int id) { return scores[id]; }

    public TokenizerInfo info() { return new TokenizerInfo("llama2c", size(), 0, bytes); }
}
