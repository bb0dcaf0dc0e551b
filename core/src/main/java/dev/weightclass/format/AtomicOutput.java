package dev.weightclass.format;

import dev.weightclass.WeightclassException;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one way weightclass writes an output file: into a temporary file in the target folder,
 * forced to disk, then renamed over the target. A failure (a full disk, an exception in the
 * producer) removes the temporary file, so no half-written output is ever left behind.
 */
public final class AtomicOutput {
    private AtomicOutput() {}

    /** Temporary files being written; removed by a shutdown hook when Ctrl-C ends the JVM mid-write. */
    private static final Set<Path> IN_PROGRESS = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (Path p : IN_PROGRESS) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // the JVM is exiting: nothing better to do
                }
            }
        }, "weightclass-remove-partial-output"));
    }

    /** Writes the file's content through a channel positioned at 0. */
    @FunctionalInterface
    public interface Producer {
        void write(FileChannel channel) throws IOException;
    }

    /** Writes bytes already in memory (reports, manifests, charts). */
    public static void write(Path target, byte[] bytes) throws IOException {
        write(target, ch -> {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) ch.write(b);
        });
    }

    public static void write(Path target, Producer producer) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new WeightclassException(target + ": output folder " + dir + " does not exist");
        }
        if (Files.isDirectory(abs)) throw new WeightclassException(target + ": is a folder, not a file");
        Path tmp;
        try {
            tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
        } catch (IOException e) {
            throw new WeightclassException(target + ": cannot write in " + dir + " (" + reason(e) + ")", e);
        }
        shareable(tmp, abs);
        boolean done = false;
        IN_PROGRESS.add(tmp);
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                producer.write(ch);
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
            syncFolder(dir);
        } catch (IOException e) {
            throw new WeightclassException(target + ": writing failed (" + reason(e) + "); nothing was written", e);
        } catch (java.io.UncheckedIOException e) { // producers that stream through lambdas
            throw new WeightclassException(target + ": writing failed (" + reason(e.getCause()) + "); nothing was written", e);
        } finally {
            IN_PROGRESS.remove(tmp);
            if (!done) Files.deleteIfExists(tmp);
        }
    }

    /** Makes the rename itself durable: a crash right after it must not bring the old file back. */
    private static void syncFolder(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // some file systems cannot sync a folder; the file itself is already on disk
        }
    }

    /**
     * Temporary files are created owner-only (0600); an output (a report, a web manifest served by
     * a web server) should be readable like any file the user writes: the replaced file's
     * permissions, else rw-r--r--. File systems without POSIX permissions keep their default.
     */
    private static void shareable(Path tmp, Path target) {
        try {
            var perms = Files.exists(target) ? Files.getPosixFilePermissions(target)
                    : java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--");
            Files.setPosixFilePermissions(tmp, perms);
        } catch (UnsupportedOperationException | IOException e) {
            // not POSIX, or not ours to change: keep what the file system gave
        }
    }

    private static String reason(IOException e) {
        String m = e.getMessage();
        if (m != null && m.contains("No space left")) return "no space left on device";
        return m == null ? e.getClass().getSimpleName() : m;
    }
}
