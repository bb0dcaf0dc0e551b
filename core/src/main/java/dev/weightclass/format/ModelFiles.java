package dev.weightclass.format;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Opens a model by looking at its bytes (and, for folders, at the files inside). */
public final class ModelFiles {
    private ModelFiles() {}

    /** Readers in the order they are asked; the first that accepts the file opens it. */
    private static final List<ModelReader> READERS = new ArrayList<>();

    /** Adds a reader; format packages register themselves through {@link Readers}. */
    static synchronized void register(ModelReader reader) {
        READERS.add(reader);
    }

    public static ModelFile open(Path path) throws IOException {
        Readers.ensureRegistered();
        if (!Files.exists(path)) throw new NoSuchFileException(path.toString());
        Path file = Files.isDirectory(path) ? modelInFolder(path) : path;
        byte[] head = head(file);
        for (ModelReader r : readers()) {
            if (r.accepts(file, head)) return r.open(file);
        }
        throw new FormatException(file, "magic", 0,
                "not a model file weightclass knows (GGUF, safetensors, ONNX or llama2.c checkpoint)");
    }

    private static synchronized List<ModelReader> readers() {
        return List.copyOf(READERS);
    }

    /** The model file a folder holds: safetensors (index first), then ONNX, then GGUF. */
    static Path modelInFolder(Path dir) throws IOException {
        String[] preferred = {"model.safetensors.index.json", "model.safetensors", "model.onnx"};
        for (String name : preferred) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p)) return p;
        }
        try (var s = Files.list(dir)) {
            List<Path> files = s.filter(Files::isRegularFile).sorted().toList();
            for (String ext : new String[] {".safetensors.index.json", ".safetensors", ".onnx", ".gguf"}) {
                for (Path p : files) if (p.getFileName().toString().endsWith(ext)) return p;
            }
        }
        throw new FormatException(dir, null, -1,
                "folder holds no model file (.safetensors, .onnx or .gguf)");
    }

    private static byte[] head(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(16);
        }
    }
}
