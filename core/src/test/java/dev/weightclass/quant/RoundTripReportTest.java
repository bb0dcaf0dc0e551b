package dev.weightclass.quant;

import dev.weightclass.format.gguf.GgufFile;
import dev.weightclass.format.gguf.GgufTensorSpec;
import dev.weightclass.format.gguf.GgufValue;
import dev.weightclass.format.gguf.GgufWriter;
import dev.weightclass.tensor.TensorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The per-tensor round-trip error measured while quantizing, against a hand computation. */
class RoundTripReportTest {

    /**
     * One Q8_0 block [127, 0.25, 0.5, ..., 7.75] and one block of zeros. The first block's scale
     * is 127/127 = 1 (exact in F16), so each value rounds to the nearest integer, halves away
     * from zero: errors 0.25, 0.5, 0.25, 0 repeating over 0.25*j for j = 1..31, i.e. 8 x 0.25^2
     * + 8 x 0.5^2 + 8 x 0.25^2 = 3.0 in all; the zero block is exact. RMSE = sqrt(3/64), max 0.5.
     */
    @Test
    void q8_0ErrorMatchesTheHandComputation(@TempDir Path dir) throws IOException {
        float[] x = new float[64];
        x[0] = 127;
        for (int j = 1; j < 32; j++) x[j] = 0.25f * j;
        Path in = dir.resolve("in.gguf");
        ByteBuffer data = ByteBuffer.allocate(64 * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : x) data.putFloat(v);
        Map<String, GgufValue> kv = new LinkedHashMap<>();
        kv.put("general.architecture", GgufValue.string("llama"));
        GgufWriter.write(in, kv, List.of(new GgufTensorSpec("blk.0.attn_q.weight", new long[] {32, 2}, TensorType.F32)),
                (i, spec, sink) -> sink.write(data.flip()));
        try (GgufFile g = GgufFile.open(in)) {
            List<RoundTripError> errors = GgufQuantizer.quantize(QuantSource.of(g), dir.resolve("out.gguf"),
                    Map.of("blk.0.attn_q.weight", TensorType.Q8_0), 7, 2, null, true);
            RoundTripError e = errors.getFirst();
            assertThat(e.to()).isEqualTo(TensorType.Q8_0);
            assertThat(e.bytes()).isEqualTo(2 * 34);
            assertThat(e.elements()).isEqualTo(64);
            assertThat(e.sumSquares()).isEqualTo(3.0);
            assertThat(e.rmse()).isCloseTo(Math.sqrt(3.0 / 64), within(1e-15));
            assertThat(e.maxAbs()).isEqualTo(0.5);
        }
    }
}
