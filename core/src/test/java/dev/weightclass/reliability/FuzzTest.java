package dev.weightclass.reliability;

import dev.weightclass.SharedData;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every fuzz target for a short budget ({@code -Dweightclass.fuzz.seconds}, default 15), after
 * replaying its regression corpus (inputs that once broke a parser, `.input` files under
 * {@code src/test/resources/dev/weightclass/reliability/regressions/TARGET/}). A finding is saved
 * to {@code target/fuzz-findings/} and fails the build. Long runs: see docs/RELIABILITY.md.
 */
class FuzzTest {
    static final double SECONDS = Double.parseDouble(System.getProperty("weightclass.fuzz.seconds", "15"));
    static final long SEED = Long.getLong("weightclass.fuzz.seed", 1L);
    static final String ONLY = System.getProperty("weightclass.fuzz.only", "");

    @TempDir
    Path scratch;

    @TestFactory
    List<DynamicTest> fuzzEveryParser() throws IOException {
        Path data = SharedData.root().resolve("data");
        List<DynamicTest> tests = new ArrayList<>();
        for (FuzzTarget t : FuzzTargets.all(data, scratch.resolve("seeds"))) {
            if (!ONLY.isEmpty() && !List.of(ONLY.split(",")).contains(t.name())) continue;
            tests.add(DynamicTest.dynamicTest(t.name(), () -> fuzz(t)));
        }
        return tests;
    }

    private void fuzz(FuzzTarget t) throws IOException {
        if (t.seeds().isEmpty()) SharedData.data("aidreams260K");   // skips, or fails in CI
        for (String name : regressions(t.name())) {
            byte[] input = resource(t.name(), name);
            String problem = new Fuzzer(t, scratch.resolve("replay-" + t.name())).replay(input);
            assertThat(problem).as("regression %s/%s", t.name(), name).isNull();
        }
        Fuzzer.Result r = new Fuzzer(t, scratch.resolve("run-" + t.name())).run(SECONDS, SEED);
        System.out.println(r.summary(t.seeds().size()));
        for (Fuzzer.Finding f : r.findings()) System.out.println(f.save());
        assertThat(r.findings()).as("findings of %s", t.name()).extracting(Fuzzer.Finding::problem).isEmpty();
    }

    /** Regression inputs of a target, listed in its folder's index (resources cannot be listed portably). */
    private static List<String> regressions(String target) throws IOException {
        try (InputStream in = FuzzTest.class.getResourceAsStream("regressions/" + target + "/index.txt")) {
            if (in == null) return List.of();
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines()
                    .map(String::strip).filter(s -> !s.isEmpty() && !s.startsWith("#")).toList();
        }
    }

    private static byte[] resource(String target, String name) throws IOException {
        try (InputStream in = FuzzTest.class.getResourceAsStream("regressions/" + target + "/" + name)) {
            assertThat(in).as("regression file %s/%s", target, name).isNotNull();
            return in.readAllBytes();
        }
    }
}
