package dev.weightclass.prune.bench;

import dev.weightclass.format.ModelFile;
import dev.weightclass.prune.ActivationNorms;
import dev.weightclass.prune.PruneMethod;
import dev.weightclass.prune.PruneOptions;
import dev.weightclass.prune.PruneResult;
import dev.weightclass.prune.Pruner;
import dev.weightclass.prune.SparsityPattern;
import dev.weightclass.runtime.Kernels;
import dev.weightclass.runtime.LlamaModel;
import dev.weightclass.runtime.SyntheticLlama;
import dev.weightclass.tensor.TensorType;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Times Wanda calibration and pruning on a TinyLlama-1.1B-shaped F16 model (random weights,
 * written by {@link SyntheticLlama} when missing): calibration with 1 thread and with all cores
 * back to back, then 50% unstructured and 2:4 pruning with all cores. The figures in
 * docs/BENCHMARKS.md.
 *
 * <p>Usage: {@code PruneBenchmark DIR [SEQUENCES] [TOKENS]}
 */
public final class PruneBenchmark {
    private PruneBenchmark() {}

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        int sequences = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        int tokens = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        Path model = dir.resolve("tinyllama-shaped-f16.gguf");
        if (!Files.exists(model)) SyntheticLlama.write(model, SyntheticLlama.TINYLLAMA_1_1B, TensorType.F16, 1);
        SplittableRandom rnd = new SplittableRandom(1);
        List<int[]> seqs = new ArrayList<>();
        for (int s = 0; s < sequences; s++) {
            int[] ids = new int[tokens];
            ids[0] = 1;
            for (int i = 1; i < tokens; i++) ids[i] = rnd.nextInt(32000);
            seqs.add(ids);
        }
        int cores = Runtime.getRuntime().availableProcessors();
        try (ModelFile in = ModelFile.open(model)) {
            ActivationNorms norms = null;
            for (int threads : new int[] {1, cores}) {
                try (Kernels k = Kernels.vector(threads)) {
                    LlamaModel m = LlamaModel.of(in, k);
                    ActivationNorms.collect(m, seqs.subList(0, 1), null);   // warm-up
                    long[] t = start();
                    norms = ActivationNorms.collect(m, seqs, null);
                    report("calibrate " + sequences + " x " + tokens + " tokens, " + threads + " thread(s)", t);
                }
            }
            for (PruneOptions o : List.of(PruneOptions.of(PruneMethod.WANDA, 0.5),
                    PruneOptions.of(PruneMethod.WANDA, SparsityPattern.parse("2:4")))) {
                Path out = dir.resolve("pruned.gguf");
                long[] t = start();
                PruneResult r = Pruner.prune(in, out, o, norms, null);
                report("prune wanda " + (o.pattern().structured() ? o.pattern() : "50% unstructured") + ", " + cores
                        + " threads, " + r.matrixBytesIn() / 1_000_000 + " MB of matrices", t);
                System.out.printf("  sparsity %.4f, file %,d -> %,d, matrices zstd %,d -> %,d, best sparse %,d%n",
                        r.sparsity(), r.inputFileBytes(), r.outputFileBytes(), r.zstdIn(), r.zstdOut(), r.bestBytes());
                Files.delete(out);
            }
        }
    }

    private static long[] start() {
        return new long[] {System.nanoTime(), cpu()};
    }

    private static void report(String what, long[] start) {
        double wall = (System.nanoTime() - start[0]) / 1e9, cpu = (cpu() - start[1]) / 1e9;
        System.out.printf("%s: wall %.1f s, process CPU %.1f s%n", what, wall, cpu);
    }

    private static long cpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
