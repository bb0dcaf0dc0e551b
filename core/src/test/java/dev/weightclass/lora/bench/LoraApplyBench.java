package dev.weightclass.lora.bench;

import dev.weightclass.lora.AdapterSpec;
import dev.weightclass.lora.LoraRuntime;
import dev.weightclass.runtime.Kernels;
import dev.weightclass.runtime.LlamaModel;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Prompt and generation speed of a model with and without an adapter applied at run time,
 * back to back in one JVM. Usage: {@code LoraApplyBench MODEL ADAPTER [THREADS]}. Not a test.
 */
public final class LoraApplyBench {
    private LoraApplyBench() {}

    public static void main(String[] args) throws Exception {
        Path model = Path.of(args[0]);
        List<AdapterSpec> adapter = List.of(AdapterSpec.parse(args[1]));
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : Kernels.defaultThreads();
        try (Kernels k = Kernels.vector(threads)) {
            for (int round = 0; round < 2; round++) {      // the first round warms up
                for (List<AdapterSpec> a : List.of(List.<AdapterSpec>of(), adapter)) {
                    try (LlamaModel m = LoraRuntime.open(model, k, a)) {
                        int[] prompt = new int[64];
                        for (int i = 0; i < prompt.length; i++) prompt[i] = 1 + i;
                        LlamaModel.Session s = m.newSession(128);
                        long t0 = System.nanoTime();
                        m.forward(s, prompt, 0, prompt.length, false);
                        long t1 = System.nanoTime();
                        for (int i = 0; i < 16; i++) m.next(s, 100 + i);
                        long t2 = System.nanoTime();
                        if (round == 1) {
                            System.out.printf(Locale.ROOT, "%-10s prompt %.1f t/s, generation %.2f t/s%n",
                                    a.isEmpty() ? "base" : "+adapter", 64 / ((t1 - t0) / 1e9), 16 / ((t2 - t1) / 1e9));
                        }
                    }
                }
            }
        }
    }
}
