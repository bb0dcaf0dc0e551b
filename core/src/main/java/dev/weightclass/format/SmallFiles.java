package dev.weightclass.format;

import dev.weightclass.WeightclassException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Side files read whole (config.json, tokenizer files, device lists): their size is checked
 * before anything is allocated, so a huge or hostile file is refused, not loaded.
 */
public final class SmallFiles {
    private SmallFiles() {}

    /** Limit for JSON side files: the largest real tokenizer.json files are tens of MB. */
    public static final long JSON_LIMIT = 256L << 20;

    public static byte[] read(Path file, long limit, String what) throws IOException {
        long size = Files.size(file);
        if (size > limit) {
            throw new WeightclassException(file + ": " + size + " bytes is too large for " + what
                    + " (at most " + limit + ")");
        }
        return Files.readAllBytes(file);
    }

    /**
     * A side file as text: strictly UTF-8, as JSON must be. (Left to guess, a JSON parser takes
     * some byte patterns for UTF-16 or UTF-32 and fails in ways that name neither file nor byte.)
     */
    public static String text(Path file, long limit, String what) throws IOException {
        return utf8(file, read(file, limit, what), what);
    }

    /** Bytes already read from {@code file}, decoded strictly as UTF-8. */
    public static String utf8(Path file, byte[] bytes, String what) {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult r = d.decode(in, out, true);
        if (r.isError()) {
            throw new WeightclassException(file + " at byte " + in.position() + ": " + what + " must be UTF-8 text");
        }
        d.flush(out);
        return out.flip().toString();
    }
}
