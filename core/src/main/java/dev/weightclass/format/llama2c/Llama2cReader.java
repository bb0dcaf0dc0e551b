package dev.weightclass.format.llama2c;

import dev.weightclass.format.ModelFile;
import dev.weightclass.format.ModelReader;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Recognises a llama2.c checkpoint: a {@code .bin} file opening with the "ak42" magic of the
 * versioned export, or whose first 28 bytes are seven plausible hyperparameters (legacy). The plausibility bounds reject other {@code .bin} formats (PyTorch
 * zips, GGML magics, raw floats, tokenizer files); the exact file size is checked on open, so a
 * truncated checkpoint gets a precise error rather than "unknown format".
 */
public final class Llama2cReader implements ModelReader {

    @Override
    public boolean accepts(Path file, byte[] head) {
        String name = String.valueOf(file.getFileName()).toLowerCase(java.util.Locale.ROOT);
        if (!name.endsWith(".bin")) return false;
        try (InputStream in = Files.newInputStream(file)) {
            byte[] b = in.readNBytes(Llama2cHeader.BYTES + 8);
            if (b.length < Llama2cHeader.BYTES) return false;
            ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
            if (bb.getInt(0) == Llama2cHeader.MAGIC) return true; // versioned export: its own magic
            int[] v = new int[7];
            for (int i = 0; i < 7; i++) v[i] = bb.getInt();
            return Llama2cHeader.of(v).problem() == null;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    @Override
    public ModelFile open(Path file) throws IOException {
        return Llama2cFile.open(file);
    }
}
