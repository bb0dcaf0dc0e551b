package dev.weightclass.format.safetensors;

import dev.weightclass.format.ModelFile;
import dev.weightclass.format.ModelReader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Recognises safetensors files (by name, or by a plausible header length followed by '{') and
 * sharded models by their {@code .safetensors.index.json}.
 */
public final class SafetensorsReader implements ModelReader {

    @Override
    public boolean accepts(Path file, byte[] head) {
        String name = String.valueOf(file.getFileName());
        if (name.endsWith(".safetensors") || name.endsWith(".safetensors.index.json")) return true;
        if (head.length < 9 || head[8] != '{') return false;
        long n = 0;
        for (int i = 7; i >= 0; i--) n = (n << 8) | (head[i] & 0xff);
        try {
            return n > 0 && n <= SafetensorsHeader.MAX_HEADER_BYTES && n <= Files.size(file) - 8;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    @Override
    public ModelFile open(Path file) throws IOException {
        return SafetensorsFile.open(file);
    }
}
