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

    /**
     * The only IQ4_XS reference: in llama-quantize's imatrix IQ4_XS file, token_embd.weight had no
     * importance data ("did not find weights for token_embd.weight" in q-a-IQ4_XS.log), so it was
     * quantized by the plain IQ4_XS path, the one weightclass implements.
     */
    @org.junit.jupiter.api.Test
    void iq4xsTokenEmbeddingIsByteIdenticalWithLlamaQuantize() throws IOException {
        try (var src = dev.weightclass.format.gguf.GgufFile.open(dev.weightclass.SharedData.golden("synth-a-f32.gguf"));
             var ref = dev.weightclass.format.gguf.GgufFile.open(
                     dev.weightclass.SharedData.golden("imatrix/synth-a.IQ4_XS.imatrix.gguf"))) {
            var want = ref.tensor("token_embd.weight").orElseThrow();
            var from = src.tensor("token_embd.weight").orElseThrow();
            assertThat(want.type()).isEqualTo(TensorType.IQ4_XS);
            int n = (int) from.rowLength(), rows = (int) (from.elements() / n);
            RowQuantizer q = Quantizers.scalar(TensorType.IQ4_XS).orElseThrow();
            byte[] got = new byte[q.rowBytes(n) * rows];
            float[] x = new float[n];
            for (int r = 0; r < rows; r++) {
                TensorRows.read(src.data(from), from.type(), n, r, x, 0);
                q.quantize(x, 0, n, got, r * q.rowBytes(n));
            }
            byte[] expected = ref.data(want).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            assertThat(got).isEqualTo(expected);
        }
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
