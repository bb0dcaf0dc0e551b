package dev.weightclass.web;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The folder the web app serves models from, and the only place it reads files from. A model is
 * named by one path segment; anything that could reach outside the folder (separators, dot
 * segments, percent signs left after URL decoding, control characters, symbolic links that lead
 * out) is refused before the file system is asked about it.
 */
public final class ModelFolder {

    /** A name that is not a plain entry of the folder (400), or an entry that does not exist (404). */
    public static final class Refused extends RuntimeException {
        private final int status;

        Refused(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() { return status; }
    }

    private static final List<String> EXTENSIONS = List.of(".gguf", ".safetensors", ".onnx", ".bin");

    private final Path root;

    public ModelFolder(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) throw new IOException(dir + ": not a folder");
        this.root = dir.toRealPath();
    }

    public Path root() { return root; }

    /** Models in the folder: files with a model extension and folders holding a config.json. */
    public List<String> list() throws IOException {
        List<String> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (n.startsWith(".") || inside(p).isEmpty()) continue;
                String lower = n.toLowerCase(Locale.ROOT);
                boolean model = Files.isRegularFile(p) && EXTENSIONS.stream().anyMatch(lower::endsWith)
                        && !lower.startsWith("tok") && !lower.equals("tokenizer.bin");
                boolean folder = Files.isDirectory(p) && Files.isRegularFile(p.resolve("config.json"));
                if (model || folder) out.add(n);
            }
        }
        out.sort(String.CASE_INSENSITIVE_ORDER);
        return out;
    }

    /** Whether {@code name} is syntactically a plain entry name (it may still not exist). */
    public static void checkName(String name) {
        if (name == null || name.isEmpty()) throw new Refused(400, "empty model name");
        if (name.length() > 255) throw new Refused(400, "model name too long");
        if (name.equals(".") || name.equals("..") || name.startsWith(".")) throw new Refused(400, "bad model name");
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            // '%' after decoding means the client encoded twice: never decode again, refuse
            if (c == '/' || c == '\\' || c == '%' || c == ':' || c < 0x20 || c == 0x7f) {
                throw new Refused(400, "bad model name: only a plain file name of the models folder is accepted");
            }
        }
        if (name.contains("..")) throw new Refused(400, "bad model name: '..' is not allowed");
    }

    /** The real path of an entry of the folder; refuses anything else. */
    public Path resolve(String name) {
        checkName(name);
        Path p = root.resolve(name).normalize();
        if (!root.equals(p.getParent())) throw new Refused(400, "bad model name");
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) throw new Refused(404, "no model '" + name + "' in the models folder");
        return inside(p).orElseThrow(() -> new Refused(404, "no model '" + name + "' in the models folder"));
    }

    /** Whether {@code name} exists in the folder (after the same checks as {@link #resolve}). */
    public boolean has(String name) {
        try {
            resolve(name);
            return true;
        } catch (Refused e) {
            return false;
        }
    }

    /** The real path when it stays inside the folder (symbolic links leading out are refused). */
    private Optional<Path> inside(Path p) {
        try {
            Path real = p.toRealPath();
            return real.startsWith(root) && !real.equals(root) ? Optional.of(real) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
