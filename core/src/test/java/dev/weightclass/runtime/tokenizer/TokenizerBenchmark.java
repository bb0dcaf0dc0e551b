package dev.weightclass.runtime.tokenizer;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Encoding throughput on Alice in Wonderland (144 KB) with real vocabularies. One operation
 * encodes the whole text; MB/s = text bytes / time per operation. Run:
 * {@code java -cp target/test-classes:target/classes:<test classpath> dev.weightclass.runtime.tokenizer.TokenizerBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xmx1g"})
public class TokenizerBenchmark {

    @Param({"gpt-2", "llama-spm", "bert-bge"})
    public String vocab;

    private Tokenizer tokenizer;
    private String text;

    static Path shared() {
        return dev.weightclass.SharedData.root();
    }

    @Setup
    public void setup() throws Exception {
        tokenizer = Tokenizers.forModel(shared().resolve("data/llamacpp-vocab/ggml-vocab-" + vocab + ".gguf"));
        text = Files.readString(shared().resolve("data/text/alice.txt"));
    }

    @Benchmark
    public int[] encodeAlice() {
        return tokenizer.encode(text, false);
    }

    public static void main(String[] args) throws Exception {
        var results = new Runner(new OptionsBuilder().include(TokenizerBenchmark.class.getSimpleName()).build()).run();
        long bytes = Files.readString(shared().resolve("data/text/alice.txt")).getBytes(StandardCharsets.UTF_8).length;
        for (var r : results) {
            double ms = r.getPrimaryResult().getScore();
            System.out.printf("%-10s %8.2f ms/op  %6.2f MB/s%n", r.getParams().getParam("vocab"), ms, bytes / 1e6 / (ms / 1e3));
        }
    }
}
