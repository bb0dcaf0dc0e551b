package dev.weightclass.fit;

import dev.weightclass.SharedData;
import dev.weightclass.tensor.TensorType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The llama.cpp memory model against llama.cpp's own figures for a TinyLlama-shaped model,
 * read from the golden README (section 6): KV cache to the byte, weights as loaded to llama.cpp's
 * rounding, total within 10% of the measured peak RSS.
 */
class LlamaCppMemoryGoldenTest {

    static final double MIB = 1 << 20;

    /** One row of the peak-RSS table: context, then MiB for Q4_0 no-mmap, Q4_0 mmap, Q8_0 no-mmap, Q8_0 mmap, KV. */
    record Row(int ctx, double q4NoMmap, double q4Mmap, double q8NoMmap, double q8Mmap, double kvMib) {}

    static String readme;
    static List<Row> rows = new ArrayList<>();

    @BeforeAll
    static void read() throws IOException {
        readme = Files.readString(SharedData.golden("README.md"));
        Matcher m = Pattern.compile("(?m)^\\| (\\d+) \\| (\\d+) \\| (\\d+) \\| (\\d+) \\| (\\d+) \\| ([\\d.]+) MiB \\|$")
                .matcher(readme);
        while (m.find()) {
            rows.add(new Row(Integer.parseInt(m.group(1)), d(m, 2), d(m, 3), d(m, 4), d(m, 5), d(m, 6)));
        }
        assertThat(rows).as("peak RSS rows in the golden README").hasSizeGreaterThanOrEqualTo(3);
    }

    static double d(Matcher m, int g) { return Double.parseDouble(m.group(g)); }

    static double figure(String regex) {
        Matcher m = Pattern.compile(regex).matcher(readme);
        assertThat(m.find()).as("golden README mentions " + regex).isTrue();
        return Double.parseDouble(m.group(1));
    }

    static MemoryEstimate estimate(ModelVariant v, int ctx, boolean mmap) {
        return new LlamaCppMemory().estimate(v, RunConfig.defaults(ctx).withMmap(mmap));
    }

    @Test
    void kvCacheEqualsLlamaCppExactly() {
        for (Row r : rows) {
            long kv = estimate(LlamaShapes.tinyLlamaQ4_0(), r.ctx, false).kvCache().bytes();
            // llama.cpp prints MiB with 2 decimals; the table keeps one. Exact: a whole number of KiB here.
            assertThat(kv / MIB).as("KV cache at ctx %d", r.ctx).isEqualTo(r.kvMib);
            assertThat(kv).isEqualTo(22L * r.ctx * 4 * 64 * 2 * 2);
        }
    }

    @Test
    void quantizedKvCacheUsesBlockBytes() {
        var q8 = new LlamaCppMemory().estimate(LlamaShapes.tinyLlamaQ4_0(),
                RunConfig.defaults(2048).withKvType(TensorType.Q8_0)).kvCache().bytes();
        var q4 = new LlamaCppMemory().estimate(LlamaShapes.tinyLlamaQ4_0(),
                RunConfig.defaults(2048).withKvType(TensorType.Q4_0)).kvCache().bytes();
        long f16 = 22L * 2048 * 256 * 2 * 2;
        assertThat(q8).isEqualTo(f16 / 2 * 34 / 32);
        assertThat(q4).isEqualTo(f16 / 2 * 18 / 32);
    }

    @Test
    void weightsAsLoadedMatchLlamaCppsBuffers() {
        double repacked = figure("([\\d.]+) MiB repacked");
        double plain = figure("\\+ ([\\d.]+) MiB left as plain");
        double q8 = figure("Q8_0 is not repacked \\(([\\d.]+) MiB\\)");
        ModelVariant q4v = LlamaShapes.tinyLlamaQ4_0();
        long rep = LlamaCppMemory.repackedBytes(q4v.tensors());
        assertThat(Math.round(rep / MIB * 100) / 100.0).isEqualTo(repacked);
        assertThat(Math.round((q4v.weightBytes() - rep) / MIB * 100) / 100.0).isEqualTo(plain);
        assertThat(Math.round(LlamaShapes.tinyLlama(TensorType.Q8_0).weightBytes() / MIB * 100) / 100.0).isEqualTo(q8);
        assertThat(LlamaCppMemory.repackedBytes(LlamaShapes.tinyLlama(TensorType.Q8_0).tensors())).isZero();
    }

    @Test
    void computeBufferFromShapesMatchesLlamaCpp() {
        double golden = figure("Compute buffer ([\\d.]+) MiB");
        for (Row r : rows) {
            long cb = estimate(LlamaShapes.tinyLlamaQ4_0(), r.ctx, true).part("compute buffer");
            assertThat(cb / MIB).as("compute buffer at ctx %d", r.ctx).isEqualTo(golden);
        }
        double output = figure("output buffer ([\\d.]+) MiB");
        assertThat(Math.round(estimate(LlamaShapes.tinyLlamaQ4_0(), 512, true).part("output buffer") / MIB * 100) / 100.0)
                .isEqualTo(output);
    }

    @Test
    void peakMemoryWithinTenPercentOfEveryMeasuredRow() {
        ModelVariant q4 = LlamaShapes.tinyLlamaQ4_0();
        ModelVariant q8 = LlamaShapes.tinyLlama(TensorType.Q8_0);
        for (Row r : rows) {
            within(q4, r.ctx, false, r.q4NoMmap);
            within(q4, r.ctx, true, r.q4Mmap);
            within(q8, r.ctx, false, r.q8NoMmap);
            within(q8, r.ctx, true, r.q8Mmap);
        }
    }

    @Test
    void peakMemoryWithLongPromptWithinTenPercent() {
        // "(Q4_0 727 / 863 MiB and Q8_0 1228 / 1364 MiB at context 2048 / 8192, no-mmap)"
        Matcher m = Pattern.compile("Q4_0 (\\d+) / (\\d+) MiB and Q8_0 (\\d+) / (\\d+) MiB\\s+at context (\\d+) / (\\d+)")
                .matcher(readme);
        assertThat(m.find()).isTrue();
        int c1 = Integer.parseInt(m.group(5)), c2 = Integer.parseInt(m.group(6));
        within(LlamaShapes.tinyLlamaQ4_0(), c1, false, d(m, 1));
        within(LlamaShapes.tinyLlamaQ4_0(), c2, false, d(m, 2));
        within(LlamaShapes.tinyLlama(TensorType.Q8_0), c1, false, d(m, 3));
        within(LlamaShapes.tinyLlama(TensorType.Q8_0), c2, false, d(m, 4));
    }

    static void within(ModelVariant v, int ctx, boolean mmap, double measuredMib) {
        double est = estimate(v, ctx, mmap).total() / MIB;
        double err = (est - measuredMib) / measuredMib;
        System.out.printf("llama.cpp peak %s ctx %5d %-7s estimate %7.1f MiB measured %6.0f MiB error %+5.1f%%%n",
                v.type(), ctx, mmap ? "mmap" : "no-mmap", est, measuredMib, 100 * err);
        assertThat(Math.abs(err)).as("%s ctx %d mmap %s: %.1f vs %.0f MiB", v.type(), ctx, mmap, est, measuredMib)
                .isLessThan(0.10);
    }
}
