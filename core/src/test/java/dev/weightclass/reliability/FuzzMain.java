package dev.weightclass.reliability;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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
        Path data = dev.weightclass.SharedData.root().resolve("data");
        for (FuzzTarget t : FuzzTargets.all(data, scratch.resolve("seeds"))) {
            if (!only.isEmpty() && !only.contains(t.name())) continue;
            Fuzzer.Result r = new Fuzzer(t, scratch.resolve("run-" + t.name())).run(seconds, seed);
            System.out.println(r.summary(t.seeds().size()));
            for (Fuzzer.Finding f : r.findings()) System.out.println(f.save());
        }
    }
}
