package dev.weightclass;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real models and data in {@code ../shared} (path passed by the build as
 * {@code weightclass.shared}). A missing file skips the test with a message, except in CI
 * ({@code CI=true}), where it fails the build.
 */
public final class SharedData {
    private SharedData() {}

    /** The build's {@code weightclass.shared}; by hand, {@code shared} beside the checkout (from a module or the root). */
    public static Path root() {
        String set = System.getProperty("weightclass.shared");
        if (set != null) return Path.of(set);
        Path fromModule = Path.of("../../shared");
        return Files.isDirectory(fromModule) ? fromModule : Path.of("../shared");
    }

    /** A file under {@code shared/data}. */
    public static Path data(String relative) {
        return require(root().resolve("data").resolve(relative));
    }

    /** A file under {@code shared/golden}. */
    public static Path golden(String relative) {
        return require(root().resolve("golden").resolve(relative));
    }

    private static Path require(Path p) {
        if (Files.exists(p)) return p;
        String msg = "real test data not found: " + p.toAbsolutePath().normalize()
                + " (lay ../shared beside the checkout to run this test)";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) Assertions.fail(msg);
        Assumptions.abort(msg);
        return p;
    }
}
