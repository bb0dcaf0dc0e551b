package dev.weightclass.fit;

import dev.weightclass.SharedData;
import dev.weightclass.tensor.TensorType;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The speed model against llama-bench (golden README section 6: 2 threads of an AMD EPYC Zen 3
 * VM, TinyLlama shapes). The bench host as a device: 2 Zen 3 cores, 2 x 16 FP32 FMA lanes at
 * ~3.0 GHz = 192 GFLOP/s; ~20 GB/s of DRAM streaming per core = 40 GB/s.
 */
class SpeedModelCalibrationTest {

    /** Estimates must be within this factor of llama-bench's median, either way. */
    static final double FACTOR = 1.5;

    static final Device BENCH_HOST = new Device("EPYC Zen 3 VM, 2 threads", List.of(), "test", "linux", "", "",
            8L << 30, true, 0, 40, 40, 192, 0, 0, 0, 1, 0, null, Long.MAX_VALUE, "golden README section 6");

    @Test
    void decodeAndPrefillWithinStatedFactorOfLlamaBench() throws IOException {
        String readme = Files.readString(SharedData.golden("README.md"));
        Matcher m = Pattern.compile("(?m)^\\| (Q8_0|Q4_0|Q4_K_M|F16) \\| ([\\d.]+) / ([\\d.]+) \\| ([\\d.]+) / ([\\d.]+) \\|$")
                .matcher(readme);
        Map<String, double[]> bench = new LinkedHashMap<>();
        while (m.find()) {
            bench.put(m.group(1), new double[] {Double.parseDouble(m.group(3)), Double.parseDouble(m.group(5))});
        }
        assertThat(bench).containsOnlyKeys("Q8_0", "Q4_0", "Q4_K_M", "F16");
        for (var e : bench.entrySet()) {
            ModelVariant v = switch (e.getKey()) {
                case "Q4_0" -> LlamaShapes.tinyLlamaQ4_0();
                case "Q4_K_M" -> LlamaShapes.q4km(LlamaShapes.TINYLLAMA);
                case "Q8_0" -> LlamaShapes.tinyLlama(TensorType.Q8_0);
                default -> LlamaShapes.variant(LlamaShapes.TINYLLAMA, "F16", n -> TensorType.F16);
            };
            // llama-bench: pp512 on an empty cache; tg128 after no prompt (average position 64)
            RunConfig cfg = RunConfig.defaults(512);
            KvCacheSize kv = KvCacheModel.llamaCpp(v.hyperparameters(), AttentionWindow.NONE, cfg);
            SpeedEstimate s = SpeedModel.estimate(v, BENCH_HOST, InferenceRuntime.LLAMA_CPP, kv, 64, 512);
            double pp = s.prefillTokensPerSecond() / e.getValue()[0];
            double tg = s.decodeTokensPerSecond() / e.getValue()[1];
            System.out.printf("speed %-6s pp512 est %5.1f / bench %5.1f = %.2f   tg128 est %5.1f / bench %5.1f = %.2f%n",
                    e.getKey(), s.prefillTokensPerSecond(), e.getValue()[0], pp,
                    s.decodeTokensPerSecond(), e.getValue()[1], tg);
            assertThat(pp).as("pp512 ratio " + e.getKey()).isBetween(1 / FACTOR, FACTOR);
            assertThat(tg).as("tg128 ratio " + e.getKey()).isBetween(1 / FACTOR, FACTOR);
        }
    }

    @Test
    void shapesReproduceTheGoldenFileSizes() throws IOException {
        // Same header (675,040 B of metadata and tokenizer) for every type: the tensor layouts are right.
        String readme = Files.readString(SharedData.golden("README.md"));
        long q4 = number(readme, "\\| Q4_0 \\(preset: output.weight Q6_K\\) \\|[^|]*\\|[^|]*\\| ([\\d,]+) \\|");
        long q4km = number(readme, "\\| Q4_K_M \\(preset\\) \\|[^|]*\\|[^|]*\\| ([\\d,]+) \\|");
        long q8 = number(readme, "\\| Q8_0 --pure \\|[^|]*\\|[^|]*\\| ([\\d,]+) \\|");
        long header = q8 - LlamaShapes.tinyLlama(TensorType.Q8_0).weightBytes();
        assertThat(q4 - LlamaShapes.tinyLlamaQ4_0().weightBytes()).isEqualTo(header);
        assertThat(q4km - LlamaShapes.q4km(LlamaShapes.TINYLLAMA).weightBytes()).isEqualTo(header);
        assertThat(header).isBetween(600_000L, 700_000L);
    }

    static long number(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertThat(m.find()).as(regex).isTrue();
        return Long.parseLong(m.group(1).replace(",", ""));
    }
}
