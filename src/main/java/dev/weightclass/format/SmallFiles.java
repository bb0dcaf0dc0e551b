package dev.weightclass.format;

import dev.weightclass.WeightclassException;

import java.io.IOException;
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
}
