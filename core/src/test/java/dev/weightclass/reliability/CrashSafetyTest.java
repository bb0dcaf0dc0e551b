package dev.weightclass.reliability;

import dev.weightclass.cli.Main;
import dev.weightclass.runtime.SyntheticLlama;
import dev.weightclass.tensor.TensorType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Outputs survive faults: the CLI killed with SIGKILL at random moments while quantizing leaves
 * either no file or the previous complete one at the output path; Ctrl-C (SIGINT) stops it and
 * removes its temporary file; an unwritable folder and a full disk give one clear line and
 * leave nothing behind.
 */
class CrashSafetyTest {
    /** A model big enough that quantizing it takes a while (about 60 MB of F16). */
    static final SyntheticLlama.Shape SHAPE = new SyntheticLlama.Shape("crash-test", 768, 3, 2048, 12, 4, 8000, 512);

    @TempDir
    static Path dir;
    static Path model;
    static String completeHash;
    static long completeMillis;

    @BeforeAll
    static void writeModelAndOneCompleteOutput() throws Exception {
        model = dir.resolve("in.gguf");
        SyntheticLlama.write(model, SHAPE, TensorType.F16, 42);
        Path ref = dir.resolve("ref.gguf");
        long t0 = System.nanoTime();
        Process p = CliProcess.start(dir, dir.resolve("ref.log"), "quantize", model.toString(), "-o", ref.toString(), "--type", "Q8_0");
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        completeMillis = (System.nanoTime() - t0) / 1_000_000;
        assertThat(p.exitValue()).as(Files.readString(dir.resolve("ref.log"))).isZero();
        completeHash = sha256(ref);
    }

    @Test
    void killedAtRandomMomentsLeavesNothingOrTheCompleteFile() throws Exception {
        SplittableRandom random = new SplittableRandom(2026);
        Path work = Files.createDirectories(dir.resolve("kill"));
        Path out = work.resolve("out.gguf");
        Path previous = work.resolve("previous.gguf");
        Files.writeString(previous, "an older complete output");
        String previousHash = sha256(previous);
        int absent = 0, kept = 0, complete = 0;
        for (int round = 0; round < 6; round++) {
            boolean withPrevious = round % 2 == 1;
            Files.deleteIfExists(out);
            if (withPrevious) Files.copy(previous, out);
            long delay = (long) (completeMillis * (0.1 + random.nextDouble()));
            Process p = CliProcess.start(work, work.resolve("kill.log"), "quantize", model.toString(), "-o", out.toString(), "--type", "Q8_0");
            Thread.sleep(delay);
            p.destroyForcibly();   // SIGKILL: no shutdown hook, no finally block
            assertThat(p.waitFor(1, TimeUnit.MINUTES)).isTrue();
            if (!Files.exists(out)) {
                assertThat(withPrevious).as("round %d: the previous file vanished", round).isFalse();
                absent++;
            } else {
                String h = sha256(out);
                if (h.equals(completeHash)) complete++;
                else {
                    assertThat(h).as("round %d (killed after %d ms): output is neither complete nor the previous file", round, delay)
                            .isEqualTo(previousHash);
                    kept++;
                }
            }
        }
        System.out.printf(Locale.ROOT, "kill -9 during quantize (complete run %d ms): %d rounds absent, %d previous kept, %d complete%n",
                completeMillis, absent, kept, complete);
    }

    @Test
    void ctrlCStopsAndRemovesThePartialFile() throws Exception {
        Path work = Files.createDirectories(dir.resolve("sigint"));
        Path out = work.resolve("out.gguf");
        Process p = CliProcess.start(work, work.resolve("sigint.log"), "quantize", model.toString(), "-o", out.toString(), "--type", "Q8_0");
        // wait until the temporary output exists: the command is mid-write
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (temporaryFiles(work).isEmpty() && p.isAlive() && System.nanoTime() < deadline) Thread.sleep(5);
        assumeTrue(p.isAlive(), "the quantization finished before it could be interrupted");
        long t0 = System.nanoTime();
        CliProcess.interrupt(p);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("stopped after SIGINT").isTrue();
        long stopMillis = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf(Locale.ROOT, "SIGINT during quantize: stopped after %d ms, exit %d%n", stopMillis, p.exitValue());
        assertThat(p.exitValue()).isEqualTo(130);
        assertThat(temporaryFiles(work)).as("temporary files left").isEmpty();
        assertThat(out).doesNotExist();
    }

    @Test
    void unwritableFolderGivesOneLine() {
        // /proc/self is not writable even for root, unlike a chmod-ed folder
        Path out = Path.of("/proc/self/out.gguf");
        assumeTrue(Files.isDirectory(out.getParent()), "no /proc here");
        String err = runFails("quantize", model.toString(), "-o", out.toString(), "--type", "Q8_0");
        assertThat(err).contains("out.gguf").contains("cannot write");
    }

    @Test
    void fullDiskGivesOneLineAndLeavesNothing() throws Exception {
        Path small = Files.createDirectories(dir.resolve("full"));
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", small.toString())
                .redirectErrorStream(true).start();
        boolean mounted = mount.waitFor(30, TimeUnit.SECONDS) && mount.exitValue() == 0;
        assumeTrue(mounted, "cannot mount a small tmpfs here (needs root); the simulated write failure in AtomicOutputTest covers this");
        try {
            String err = runFails("quantize", model.toString(), "-o", small.resolve("out.gguf").toString(), "--type", "Q8_0");
            assertThat(err).contains("out.gguf").containsIgnoringCase("no space left");
            try (Stream<Path> s = Files.list(small)) {
                assertThat(s.toList()).as("files left on the full disk").isEmpty();
            }
        } finally {
            new ProcessBuilder("umount", small.toString()).start().waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static String runFails(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        String e = err.toString().strip();
        assertThat(code).as(e).isEqualTo(2);
        assertThat(e).doesNotContain("\n").doesNotContain("Exception");
        return e;
    }

    private static List<Path> temporaryFiles(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
        }
    }

    static String sha256(Path p) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (var in = Files.newInputStream(p)) {
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
