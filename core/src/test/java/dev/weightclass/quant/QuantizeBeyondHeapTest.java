package dev.weightclass.quant;

import dev.weightclass.format.gguf.GgufFile;
import dev.weightclass.quant.bench.TinyLlamaShapedModel;
import dev.weightclass.reliability.CliProcess;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorType;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Peak heap does not grow with the model: a 300 MB F16 model (TinyLlama's widths, 3 layers,
 * 4096-token vocabulary) is quantized by the CLI in a child JVM whose heap is 64 MB, and sampled
 * rows of the output equal this JVM's own quantization of the same input rows.
 */
class QuantizeBeyondHeapTest {
    private static final long NEED = 700L << 20; // input, output, and room to spare

    @Test
    void quantizesAModelLargerThanTheHeapIn64Mb(@TempDir Path dir) throws IOException, InterruptedException {
        long free = Files.getFileStore(dir).getUsableSpace();
        Assumptions.assumeTrue(free > NEED, "skipped: needs " + NEED + " bytes free in " + dir + ", has " + free);
        Path in = dir.resolve("big-f16.gguf"), out = dir.resolve("big-q4_0.gguf"), log = dir.resolve("quantize.log");
        TinyLlamaShapedModel.write(in, 3, 4096, true);
        assertThat(Files.size(in)).isGreaterThan(4L * (64 << 20));

        Process p = CliProcess.startWithHeap(dir, log, "64m", "quantize", in.toString(), "-o", out.toString(),
                "--type", "q4_0", "--threads", "2");
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("quantize did not finish in 180 s: " + Files.readString(log));
        }
        assertThat(p.exitValue()).as(Files.readString(log)).isZero();

        try (GgufFile a = GgufFile.open(in); GgufFile b = GgufFile.open(out)) {
            Map<String, TensorInfo> written = b.tensors().stream().collect(Collectors.toMap(TensorInfo::name, Function.identity()));
            assertThat(written.get("output.weight").type()).isEqualTo(TensorType.Q6_K); // the Q4_0 preset's bump
            assertThat(written.get("blk.2.ffn_down.weight").type()).isEqualTo(TensorType.Q4_0);
            int checked = 0;
            for (TensorInfo t : a.tensors()) {
                TensorInfo w = written.get(t.name());
                if (w.type() == t.type()) continue;
                int n = Math.toIntExact(t.rowLength());
                long rows = t.elements() / n;
                RowQuantizer q = Quantizers.scalar(w.type()).orElseThrow();
                float[] x = new float[n];
                byte[] want = new byte[q.rowBytes(n)];
                for (long r : new long[] {0, rows / 3, rows - 1}) {
                    TensorRows.read(a.data(t), t.type(), n, r, x, 0);
                    q.quantize(x, 0, n, want, 0);
                    byte[] got = b.data(w).asSlice(r * want.length, want.length).toArray(ValueLayout.JAVA_BYTE);
                    assertThat(got).as(t.name() + " row " + r).isEqualTo(want);
                    checked++;
                }
            }
            assertThat(checked).isEqualTo(3 * (2 + 3 * 7));
        }
    }
}
