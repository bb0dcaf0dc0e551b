package dev.weightclass.reliability;

import dev.weightclass.WeightclassException;
import dev.weightclass.format.FormatException;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A mutation fuzzer over real seed files, guided by outcomes: an input whose result (accepted,
 * or rejected with a given error at a given field) was not seen before joins the corpus, so the
 * search moves towards new code paths without bytecode instrumentation.
 *
 * <p>Properties checked on every input: the only exception that escapes is the project's own
 * error, naming the file; no {@link OutOfMemoryError}; allocation bounded by the input's size;
 * no hang; and a file that parses writes back to a file that parses and writes back identically.
 */
final class Fuzzer {
    /** Allocation allowed per input: a multiple of the file's size plus a constant. */
    static final long ALLOC_PER_BYTE = 64, ALLOC_CONSTANT = 256L << 20;
    /** CPU time one input may take before it counts as a hang; wall time is only a backstop. */
    static final long TIMEOUT_MS = 10_000, WALL_TIMEOUT_MS = 600_000;
    static final int MAX_CORPUS = 512;

    record Finding(String target, String problem, byte[] input) {
        /** Saves the input under target/fuzz-findings/ and says where. */
        String save() throws IOException {
            Path saved = Path.of("target", "fuzz-findings", target + "-" + Integer.toHexString(Arrays.hashCode(input)) + ".bin");
            Files.createDirectories(saved.getParent());
            Files.write(saved, input);
            return "  finding saved to " + saved + ": " + problem;
        }
    }

    record Result(String target, long execs, int corpus, int outcomes, double seconds, List<Finding> findings) {
        /** One line of figures, as docs/RELIABILITY.md records them. */
        String summary(int seeds) {
            return String.format(java.util.Locale.ROOT,
                    "fuzz %-15s %,11d execs in %6.1f s (%,7.0f/s), %d seeds, corpus %d, outcomes %d, findings %d",
                    target, execs, seconds, execs / seconds, seeds, corpus, outcomes, findings.size());
        }
    }

    private final FuzzTarget target;
    private final Path work;
    private final ExecutorService runner = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "fuzz-runner");
        t.setDaemon(true);
        return t;
    });
    private final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private long counter;

    Fuzzer(FuzzTarget target, Path work) {
        this.target = target;
        this.work = work;
    }

    /** Runs the target for {@code seconds} from the seeds; stops at the first finding. */
    Result run(double seconds, long seed) throws IOException {
        List<byte[]> corpus = new ArrayList<>();
        for (Path p : target.seeds()) corpus.add(Files.readAllBytes(p));
        Set<String> outcomes = new HashSet<>();
        List<Finding> findings = new ArrayList<>();
        long execs = 0;
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        for (byte[] s : List.copyOf(corpus)) {
            execs++;
            Outcome o = execute(s);
            if (o.problem != null) findings.add(new Finding(target.name(), "seed: " + o.problem, s));
            outcomes.add(o.signature);
        }
        SplittableRandom pick = new SplittableRandom(seed);
        Mutator mutator = new Mutator(seed ^ 0x9E3779B97F4A7C15L);
        while (findings.isEmpty() && System.nanoTime() < end && !corpus.isEmpty()) {
            byte[] parent = corpus.get(pick.nextInt(corpus.size()));
            byte[] input = mutator.mutate(parent, corpus, target.text());
            execs++;
            Outcome o = execute(input);
            if (o.problem != null) {
                findings.add(new Finding(target.name(), o.problem, input));
                break;
            }
            if (outcomes.add(o.signature) && corpus.size() < MAX_CORPUS) corpus.add(input);
        }
        runner.shutdownNow();
        return new Result(target.name(), execs, corpus.size(), outcomes.size(), (System.nanoTime() - start) / 1e9, findings);
    }

    /** Replays one input (a regression file); returns the problem or null. */
    String replay(byte[] input) {
        String p = execute(input).problem;
        runner.shutdownNow();
        return p;
    }

    private record Outcome(String signature, String problem) {}

    private Outcome execute(byte[] input) {
        Path dir = work.resolve(Long.toString(counter++));
        Path file = dir.resolve(target.fileName());
        try {
            Files.createDirectories(dir);
            Files.write(file, input);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write fuzz input under " + work, e);
        }
        java.util.concurrent.atomic.AtomicLongArray started = new java.util.concurrent.atomic.AtomicLongArray(new long[] {-1, 0});
        Future<Outcome> f = runner.submit(() -> {
            long tid = Thread.currentThread().threadId();
            started.set(1, threads.getThreadCpuTime(tid));
            started.set(0, tid);
            return check(file, input.length);
        });
        long wallDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WALL_TIMEOUT_MS);
        try {
            while (true) {
                try {
                    Outcome o = f.get(100, TimeUnit.MILLISECONDS);
                    deleteTree(dir);
                    return o;
                } catch (TimeoutException e) {
                    // a hang is CPU spent, not wall time: a loaded machine must not look like a hang
                    long tid = started.get(0);
                    long cpu = tid < 0 ? 0 : threads.getThreadCpuTime(tid) - started.get(1);
                    if (cpu > TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS) || System.nanoTime() > wallDeadline) {
                        f.cancel(true);
                        return new Outcome("hang", "no answer after " + cpu / 1_000_000 + " ms of CPU time (hang?)");
                    }
                }
            }
        } catch (Exception e) {
            return new Outcome("harness", "harness failure: " + e);
        }
    }

    private Outcome check(Path file, long size) {
        long tid = Thread.currentThread().threadId();
        long before = threads.getThreadAllocatedBytes(tid);
        String signature;
        String problem = null;
        try {
            target.parse().parse(file);
            signature = "ok";
            if (target.roundTrip() != null) problem = roundTrip(file);
        } catch (FormatException e) {
            signature = "format:" + String.valueOf(e.field()).replaceAll("[0-9]+", "#");
            if (!e.getMessage().contains(file.toString())) problem = "error does not name the file: " + e.getMessage();
        } catch (WeightclassException e) {
            signature = "error:" + e.getMessage().replace(file.toString(), "F").replaceAll("[0-9]+", "#");
            if (!e.getMessage().contains(file.getFileName().toString())) {
                problem = "error does not name the file: " + e.getMessage();
            }
        } catch (OutOfMemoryError e) {
            signature = "oom";
            problem = "OutOfMemoryError: " + e.getMessage();
        } catch (Throwable e) {
            signature = "escaped:" + e.getClass().getName();
            problem = "escaped " + e.getClass().getName() + ": " + e.getMessage() + " at " + where(e);
        }
        long allocated = threads.getThreadAllocatedBytes(tid) - before;
        if (problem == null && allocated > ALLOC_PER_BYTE * size + ALLOC_CONSTANT) {
            problem = "allocated " + allocated + " bytes for a " + size + "-byte file";
        }
        return new Outcome(signature, problem);
    }

    /** A file that parses writes back; the copy parses and writes back to the same bytes. */
    private String roundTrip(Path file) {
        Path once = file.resolveSibling("once-" + file.getFileName());
        Path twice = file.resolveSibling("twice-" + file.getFileName());
        try {
            target.roundTrip().write(file, once);
            target.parse().parse(once);
            target.roundTrip().write(once, twice);
            if (!Arrays.equals(Files.readAllBytes(once), Files.readAllBytes(twice))) {
                return "round trip not stable: writing the rewritten file changes it";
            }
            return null;
        } catch (Throwable e) {
            return "round trip of an accepted file failed: " + e + " at " + where(e);
        }
    }

    private static String where(Throwable e) {
        for (StackTraceElement s : e.getStackTrace()) {
            if (s.getClassName().startsWith("dev.weightclass")) return s.toString();
        }
        return e.getStackTrace().length == 0 ? "?" : e.getStackTrace()[0].toString();
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            for (Path p : s.toList()) Files.deleteIfExists(p);
        }
        Files.deleteIfExists(dir);
    }
}
