package dev.weightclass.format;

import java.io.IOException;
import java.nio.file.Path;

/** One file format's reader, as {@link ModelFiles} dispatches to it. */
public interface ModelReader {

    /**
     * True when this reader recognises the file. {@code head} holds its first bytes (up to 16; fewer
     * for shorter files). Must not throw on any input.
     */
    boolean accepts(Path file, byte[] head);

    ModelFile open(Path file) throws IOException;
}
