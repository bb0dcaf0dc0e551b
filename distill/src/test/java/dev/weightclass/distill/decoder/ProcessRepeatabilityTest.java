package dev.weightclass.distill.decoder;

import dev.weightclass.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What users do: {@code weightclass distill} in one process, stopped (a crash, or Ctrl-C) and
 * continued with {@code --resume} in another. Every run is a child JVM, so nothing (memory
 * addresses, GC timing, JIT state, loaded engine) is shared, and each must end with bitwise the
 * same student and per-step losses as an uninterrupted run.
 * <p>
 * The children run with a 1 MB young generation (a garbage collection every few operations) and
 * glibc's MALLOC_PERTURB_ (freed memory overwritten at once): native memory read after the GC
 * freed it then gives garbage at once instead of once in a long while. Before the scalars of the
 * loss moved into PyTorch-owned memory ({@code Torch.scalar}) such runs diverged to NaN.
 */
class ProcessRepeatabilityTest {
    static final int STEPS = 40, CHECKPOINT_EVERY = 8;

    @TempDir
    static Path shared;
    private static Path reference;

    @Test
    void twoProcessesTrainBitwiseTheSameStudent(@TempDir Path dir) throws Exception {
        Path a = reference(), b = dir.resolve("student.gguf");
        Child run = Child.start(dir, List.of());
        assertThat(run.waitFor()).as(run.err()).isZero();
        assertSameRun(b, a);
    }

    @Test
    void killedAfterACheckpointThenResumedEqualsAnUninterruptedRun(@TempDir Path dir) throws Exception {
        Path ref = reference();
        Child crashing = Child.start(dir, List.of());
        Path ckpt = dir.resolve("student.ckpt");
        crashing.awaitFile(ckpt);
        crashing.process.destroyForcibly(); // SIGKILL: no chance to write anything more
        crashing.waitFor();
        long step = checkpointStep(ckpt);
        assertThat(step).isBetween((long) CHECKPOINT_EVERY, (long) STEPS - 1).isEqualTo(step / CHECKPOINT_EVERY * CHECKPOINT_EVERY);
        assertThat(dir.resolve("student.gguf")).doesNotExist();

        Child resumed = Child.start(dir, List.of("--resume"));
        assertThat(resumed.waitFor()).as(resumed.err()).isZero();
        assertSameRun(dir.resolve("student.gguf"), ref);
    }

    @Test
    void ctrlCThenResumeEqualsAnUninterruptedRun(@TempDir Path dir) throws Exception {
        Path ref = reference();
        Child stopped = Child.start(dir, List.of());
        Path ckpt = dir.resolve("student.ckpt");
        stopped.awaitFile(ckpt);
        new ProcessBuilder("kill", "-INT", Long.toString(stopped.process.pid())).start().waitFor();
        int code = stopped.waitFor();
        // a JVM started with SIGINT ignored (nohup, some CI shells) never sees Ctrl-C: nothing to test then
        assumeTrue(code != 0 || !Files.exists(dir.resolve("student.gguf")), "SIGINT is ignored in this environment");
        assertThat(code).as(stopped.err()).isEqualTo(130);
        assertThat(stopped.err()).contains("interrupted at step");
        assertThat(dir.resolve("student.gguf")).doesNotExist();
        assertThat(checkpointStep(ckpt)).isBetween((long) CHECKPOINT_EVERY, (long) STEPS - 1);

        Child resumed = Child.start(dir, List.of("--resume"));
        assertThat(resumed.waitFor()).as(resumed.err()).isZero();
        assertSameRun(dir.resolve("student.gguf"), ref);
    }

    /** The uninterrupted run every other is compared with (one child, made once). */
    static synchronized Path reference() throws Exception {
        if (reference == null) {
            Child c = Child.start(shared, List.of());
            assertThat(c.waitFor()).as(c.err()).isZero();
            reference = shared.resolve("student.gguf");
        }
        return reference;
    }

    /** Same student file byte for byte, and the same per-step log except wall time. */
    static void assertSameRun(Path student, Path ref) throws IOException {
        assertThat(Files.mismatch(student, ref)).as("first differing byte of " + student).isEqualTo(-1L);
        assertThat(withoutTime(log(student))).isEqualTo(withoutTime(log(ref)));
    }

    static Path log(Path student) {
        return student.resolveSibling("student-loss.csv");
    }

    static List<String> withoutTime(Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        int col = Arrays.asList(lines.get(0).split(",", -1)).indexOf("seconds");
        assertThat(col).isNotNegative();
        List<String> out = new ArrayList<>();
        for (String l : lines) {
            List<String> cells = new ArrayList<>(Arrays.asList(l.split(",", -1)));
            cells.remove(col);
            out.add(String.join(",", cells));
        }
        assertThat(out).hasSize(1 + 1 + STEPS);
        return out;
    }

    /** The step field of a checkpoint: magic, u32 version, UTF fingerprint, i64 step. */
    static long checkpointStep(Path ckpt) throws IOException {
        try (InputStream in = Files.newInputStream(ckpt); DataInputStream d = new DataInputStream(in)) {
            d.skipNBytes(8 + 4);
            d.readUTF();
            return d.readLong();
        }
    }

    /** {@code weightclass distill} in its own JVM with the test class path, stderr to a file. */
    record Child(Process process, Path errFile) {
        static Child start(Path dir, List<String> extra) throws IOException {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                    "-Xmn1m", "-Xmx512m", "-cp", System.getProperty("java.class.path"), "dev.weightclass.cli.Main",
                    "distill", SharedData.data("aidreams260K/aidreams260K-f32.gguf").toString(),
                    "--data", SharedData.data("aidreams260K/aidreams260K_teacher_samples.txt").toString(),
                    "--layers", "2", "--steps", Integer.toString(STEPS), "--batch", "4", "--context", "48",
                    "--top-k", "16", "--eval-every", "20", "--checkpoint-every", Integer.toString(CHECKPOINT_EVERY),
                    "--threads", "1", "-q", "-o", dir.resolve("student.gguf").toString()));
            cmd.addAll(extra);
            Path err = Files.createTempFile(dir, "child", ".err");
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(err.toFile());
            pb.environment().put("MALLOC_PERTURB_", "90");
            pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
            return new Child(pb.start(), err);
        }

        int waitFor() throws Exception {
            if (!process.waitFor(5, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new AssertionError("child distill did not finish in 5 minutes: " + err());
            }
            return process.exitValue();
        }

        /** Waits until {@code f} exists (the first periodic checkpoint), polling every 2 ms. */
        void awaitFile(Path f) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (!Files.exists(f)) {
                assertThat(process.isAlive()).as("child ended before writing " + f + ": " + err()).isTrue();
                assertThat(System.nanoTime()).as("no checkpoint after 5 minutes").isLessThan(deadline);
                Thread.sleep(2);
            }
        }

        String err() {
            try {
                return Files.readString(errFile);
            } catch (IOException e) {
                return e.toString();
            }
        }
    }
}
