package dev.weightclass.format.gguf;

import dev.weightclass.format.ModelFile;
import dev.weightclass.format.ModelReader;

import java.io.IOException;
import java.nio.file.Path;

/** Recognises GGUF by its magic (and a .gguf name with an unknown magic, to explain the problem). */
public final class GgufReader implements ModelReader {

    @Override
    public boolean accepts(Path file, byte[] head) {
        if (head.length >= 4 && head[0] == 'G' && head[1] == 'G' && head[2] == 'U' && head[3] == 'F') return true;
        // A .gguf file with another magic still goes to the GGUF parser, which names what it found.
        return String.valueOf(file.getFileName()).toLowerCase(java.util.Locale.ROOT).endsWith(".gguf");
    }

    @Override
    public ModelFile open(Path file) throws IOException {
        return GgufFile.open(file);
    }
}
