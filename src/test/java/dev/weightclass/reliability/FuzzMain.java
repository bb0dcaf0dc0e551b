package dev.weightclass.reliability;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Long fuzz runs outside the test suite: {@code FuzzMain SECONDS SEED TARGET...} runs each named
 * target (all when none) for SECONDS and prints one line of figures per target; findings are
 * saved under target/fuzz-findings/.
 */
public final class FuzzMain {
    private FuzzMain() {}

    public static void main(String[] args) throws Exception {
        double seconds = Double.parseDouble(args[0]);
        long seed = Long.parseLong(args[1]);
        List<String> only = List.of(args).subList(2, args.length);
        Path scratch = Files.createTempDirectory("weightclass-fuzz");
        Path data = Path.of(System.getProperty("weightclass.shared", "../shared")).resolve("data");
        for (FuzzTarget t : FuzzTargets.all(data, scratch.resolve("seeds"))) {
            if (!only.isEmpty() && !only.contains(t.name())) continue;
            Fuzzer.Result r = new Fuzzer(t, scratch.resolve("run-" + t.name())).run(seconds, seed);
            System.out.printf(Locale.ROOT, "fuzz %-15s %,11d execs in %6.1f s (%,7.0f/s), %d seeds, corpus %d, outcomes %d, findings %d%n",
                    t.name(), r.execs(), r.seconds(), r.execs() / r.seconds(), t.seeds().size(), r.corpus(), r.outcomes(),
                    r.findings().size());
            for (Fuzzer.Finding f : r.findings()) {
                Path saved = Path.of("target", "fuzz-findings", t.name() + "-" + Integer.toHexString(java.util.Arrays.hashCode(f.input())) + ".bin");
                Files.createDirectories(saved.getParent());
                Files.write(saved, f.input());
                System.out.println("  finding saved to " + saved + ": " + f.problem());
            }
        }
    }
}
