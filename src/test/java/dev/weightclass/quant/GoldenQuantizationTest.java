package dev.weightclass.quant;

import dev.weightclass.tensor.TensorType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Quantizes every tensor of the llama.cpp golden files from the same source model and demands
 * byte-identical tensor data: per-block math, scale rounding and packing all have to match
 * llama-quantize (no importance matrix).
 */
class GoldenQuantizationTest {

    @ParameterizedTest(name = "{1} from {0}")
    @CsvSource({
            "synth-a-f32.gguf, synth-a.Q4_0.pure.gguf",
            "synth-a-f32.gguf, synth-a.Q4_1.pure.gguf",
            "synth-a-f32.gguf, synth-a.Q5_0.pure.gguf",
            "synth-a-f32.gguf, synth-a.Q5_1.pure.gguf",
            "synth-a-f32.gguf, synth-a.Q8_0.pure.gguf",
            "synth-a-f32.gguf, synth-a.Q2_K.pure.gguf",
            "synth-a-f32.gguf, synth-a.Q3_K_S.pure.gguf",
            "synth-a-f32.gguf, synth-a.Q4_K_S.pure.gguf",
            "synth-a-f32.gguf, synth-a.Q5_K_S.pure.gguf",
            "synth-a-f32.gguf, synth-a.Q6_K.pure.gguf",
            "synth-a-f32.gguf, synth-a.IQ4_NL.pure.gguf",
            "synth-a-f32.gguf, synth-a.Q3_K_M.gguf",
            "synth-a-f32.gguf, synth-a.Q4_K_M.gguf",
            "synth-a-f32.gguf, synth-a.Q5_K_M.gguf",
            "synth-a-f16.gguf, synth-a-f16.Q4_0.pure.gguf",
            "synth-a-f16.gguf, synth-a-f16.Q8_0.pure.gguf",
            "aidreams260K-f32.gguf, aidreams260K.Q4_0.pure.llamacpp.gguf",
            "aidreams260K-f32.gguf, aidreams260K.Q4_1.pure.llamacpp.gguf",
            "aidreams260K-f32.gguf, aidreams260K.Q5_0.pure.llamacpp.gguf",
            "aidreams260K-f32.gguf, aidreams260K.Q5_1.pure.llamacpp.gguf",
            "aidreams260K-f32.gguf, aidreams260K.Q8_0.pure.llamacpp.gguf",
            "aidreams260K-f32.gguf, aidreams260K.Q4_0.llamacpp.gguf",
            "aidreams260K-f32.gguf, aidreams260K.Q4_K_M.llamacpp.gguf",
    })
    void tensorDataIsByteIdenticalWithLlamaQuantize(String source, String golden) throws IOException {
        List<String> mismatches = new ArrayList<>();
        int compared = 0;
        for (GoldenFiles.Tensor want : GoldenFiles.tensors(golden)) {
            GoldenFiles.Tensor src = GoldenFiles.tensor(source, want.name());
            assertThat(src.ne()).as(want.name()).isEqualTo(want.ne());
            float[] x = GoldenFiles.floats(src);
            byte[] expected = GoldenFiles.bytes(want);
            compared++;
            for (RowQuantizer q : implementations(want.type())) {
                int n = want.rowLength(), rowBytes = q.rowBytes(n);
                byte[] got = new byte[rowBytes * want.rows()];
                for (int r = 0; r < want.rows(); r++) q.quantize(x, r * n, n, got, r * rowBytes);
                if (!java.util.Arrays.equals(got, expected)) {
                    mismatches.add(q + ": " + describe(want, got, expected));
                }
            }
        }
        assertThat(compared).isEqualTo(GoldenFiles.manifest().get(golden).get("n_tensors").asInt());
        assertThat(mismatches).as(golden).isEmpty();
    }

    private static String describe(GoldenFiles.Tensor t, byte[] got, byte[] expected) {
        int bb = t.type().blockBytes(), blocks = expected.length / bb, bad = 0, first = -1;
        for (int i = 0; i < blocks; i++) {
            if (!java.util.Arrays.equals(got, i * bb, (i + 1) * bb, expected, i * bb, (i + 1) * bb)) {
                if (first < 0) first = i;
                bad++;
            }
        }
        return t.name() + " (" + t.type() + "): " + bad + "/" + blocks + " blocks differ, first #" + first;
    }

    /** The scalar reference and, where encoding is vectorized (Q8_0, Q4_0), the vector kernel. */
    static List<RowQuantizer> implementations(TensorType type) {
        List<RowQuantizer> out = new ArrayList<>();
        out.add(Quantizers.scalar(type).orElseThrow());
        if (type == TensorType.Q8_0 || type == TensorType.Q4_0) Quantizers.vector(type).ifPresent(out::add);
        return out;
    }
}
