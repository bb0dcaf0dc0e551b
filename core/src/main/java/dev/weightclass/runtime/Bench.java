package dev.weightclass.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Prompt-processing and generation speed measured like llama-bench: pp = one batch of {@code p}
 * tokens into an empty context, tg = {@code n} tokens generated one at a time from an empty context.
 * Each figure is measured {@code repeats} times after one warm-up run (which also compiles the kernels).
 */
public final class Bench {
    private Bench() {}

    /** Tokens per second of each repeat, and peak memory. */
    public record Result(int promptTokens, int genTokens, double[] ppTokensPerSecond, double[] tgTokensPerSecond,
                         double[] ppTokensPerCpuSecond, double[] tgTokensPerCpuSecond,
                         long peakRssBytes, long peakHeapBytes) {
        public double ppMedian() { return median(ppTokensPerSecond); }
        public double tgMedian() { return median(tgTokensPerSecond); }
        public double ppMax() { return Arrays.stream(ppTokensPerSecond).max().orElse(Double.NaN); }
        public double tgMax() { return Arrays.stream(tgTokensPerSecond).max().orElse(Double.NaN); }
    }

    public static Result run(LlamaModel model, int p, int n, int repeats) {
        int vocab = model.config().vocabSize();
        Random rnd = new Random(42);
        int[] prompt = new int[Math.max(1, p)];
        for (int i = 0; i < prompt.length; i++) prompt[i] = rnd.nextInt(vocab);
        LlamaModel.Session s = model.newSession(Math.max(p, n) + 1);
        double[] pp = new double[p > 0 ? repeats : 0];
        double[] tg = new double[n > 0 ? repeats : 0];
        double[] ppCpu = new double[pp.length], tgCpu = new double[tg.length];
        for (int r = -1; r < repeats; r++) {
            if (p > 0) {
                s.reset();
                long c0 = cpuNanos(), t0 = System.nanoTime();
                model.forward(s, prompt, 0, p, false);
                double sec = (System.nanoTime() - t0) / 1e9;
                if (r >= 0) {
                    pp[r] = p / sec;
                    ppCpu[r] = p / ((cpuNanos() - c0) / 1e9);
                }
            }
            if (n > 0) {
                s.reset();
                int tok = prompt[0];
                long c0 = cpuNanos(), t0 = System.nanoTime();
                for (int i = 0; i < (r < 0 ? Math.min(n, 16) : n); i++) tok = Sampler.argmax(model.next(s, tok));
                double sec = (System.nanoTime() - t0) / 1e9;
                if (r >= 0) {
                    tg[r] = n / sec;
                    tgCpu[r] = n / ((cpuNanos() - c0) / 1e9);
                }
            }
        }
        Runtime rt = Runtime.getRuntime();
        return new Result(p, n, pp, tg, ppCpu, tgCpu, peakRss(), rt.totalMemory());
    }

    /**
     * CPU time of the whole process (all kernel threads). On a machine shared with other work,
     * tokens per CPU-second times the thread count estimates what a quiet machine would give.
     */
    static long cpuNanos() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) return os.getProcessCpuTime();
        return 0;
    }

    static double median(double[] v) {
        if (v.length == 0) return Double.NaN;
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** The process's peak resident set (Linux VmHWM), or -1 where /proc is not available. */
    public static long peakRss() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/self/status"));
            for (String l : lines) {
                if (l.startsWith("VmHWM:")) return Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
