package dev.weightclass.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weightclass.SharedData;
import dev.weightclass.format.ModelFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class LlamaModelTest {
    /** The golden outputs come from a float (numpy) forward pass on dequantized weights: F32 activations. */
    static final Kernels KERNELS = Kernels.vector(2, Kernels.Inputs.F32);
    static final Kernels LLAMA_CPP = Kernels.vector(2);

    @AfterAll
    static void close() {
        KERNELS.close();
        LLAMA_CPP.close();
    }

    static void matchesGolden(Path file, String variant) throws Exception {
        matchesGolden(file, variant, KERNELS, true);
    }

    static void matchesGolden(Path file, String variant, Kernels kernels, boolean greedy) throws Exception {
        JsonNode g = Aidreams.golden(variant);
        try (LlamaModel m = LlamaModel.owning(ModelFile.open(file), kernels)) {
            if (greedy) assertThat(Aidreams.greedy64(m)).containsExactly(Aidreams.ids(g.path("greedy64_ids")));
            double[] nll = Aidreams.teacherNll(m);
            assertThat(nll[1]).isEqualTo(g.path("teacher_tokens_scored").asDouble());
            assertThat(nll[0]).isCloseTo(g.path("teacher_samples_nll").asDouble(), within(1e-3));
        }
    }

    /** What one generated token reads, from the shapes alone: every layer matrix and the classifier, one embedding row. */
    @Test
    void bytesPerTokenCountsEveryMatrixAndOneEmbeddingRow() throws Exception {
        try (LlamaModel m = LlamaModel.owning(ModelFile.open(SharedData.data("aidreams260K/aidreams260K-f32.gguf")), KERNELS)) {
            LlamaConfig c = m.config();
            long perLayer = (long) c.dim() * (2L * c.qDim() + 2L * c.kvDim() + 3L * c.ffnDim());
            long classifier = (long) c.vocabSize() * c.dim();
            long embeddingRow = m.weights().tied() ? 0 : c.dim();
            assertThat(m.weights().bytesPerToken()).isEqualTo(4 * (c.layers() * perLayer + classifier + embeddingRow));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"f32", "f16", "bf16", "q8_0", "q4_0"})
    void ggufVariants(String variant) throws Exception {
        matchesGolden(SharedData.data("aidreams260K/aidreams260K-" + variant + ".gguf"), variant);
    }

    /** llama-quantize's --pure files hold the same tensor bytes as the gguf-py files the golden outputs used. */
    @ParameterizedTest
    @ValueSource(strings = {"q4_1", "q5_0", "q5_1"})
    void llamaCppQuantizedVariants(String variant) throws Exception {
        matchesGolden(SharedData.golden("aidreams260K." + variant.toUpperCase(java.util.Locale.ROOT)
                + ".pure.llamacpp.gguf"), variant);
    }

    /**
     * With activations converted as llama.cpp converts them (Q8_0/Q8_1 blocks, F16/BF16 rounding) the
     * greedy ids still equal the float reference's, and the NLL stays within 1e-3. Except Q5_0, whose
     * greedy run meets a near tie at token 49: with float activations (the reference's, and the test
     * above, which passes) token 429 leads token 299 by 0.0016 in the logits; Q8_0 activations move
     * the logits by about 0.008, so 299 leads by 0.0087 and the run continues differently there.
     */
    @ParameterizedTest
    @ValueSource(strings = {"f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "q5_0", "q5_1"})
    void llamaCppInputsKeepTheGoldenOutputs(String variant) throws Exception {
        Path file = variant.matches("q4_1|q5_0|q5_1")
                ? SharedData.golden("aidreams260K." + variant.toUpperCase(java.util.Locale.ROOT) + ".pure.llamacpp.gguf")
                : SharedData.data("aidreams260K/aidreams260K-" + variant + ".gguf");
        matchesGolden(file, variant, LLAMA_CPP, !variant.equals("q5_0"));
    }

    @Test
    void llama2cCheckpoint() throws Exception {
        matchesGolden(SharedData.data("aidreams260K/aidreams260K.bin"), "f32");
    }

    @Test
    void huggingFaceSafetensorsWithRotateHalfRope() throws Exception {
        matchesGolden(SharedData.data("aidreams260K/hf"), "f32");
    }
}
