package dev.weightclass.eval;

import dev.weightclass.SharedData;
import dev.weightclass.format.ModelFile;
import dev.weightclass.runtime.Kernels;
import dev.weightclass.runtime.LlamaModel;
import dev.weightclass.runtime.tokenizer.Tokenizers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Perplexity and mean KL divergence against F32 on aidreams260K agree with llama-perplexity's
 * figures (../shared/golden/README.md section 4; -c 128, 55 chunks) within 0.5%. They agree because
 * the runtime converts each product's input as ggml's CPU backend does (Q8_0/Q8_1 activations for the
 * block types, F16/BF16-rounded activations for F16/BF16 weights), keeps an F16 KV cache, and the KL
 * is computed from the reference's log-probabilities as llama-perplexity stores them.
 */
class LlamaCppParityTest {
    static Kernels kernels;
    static LlamaModel reference;
    static int[] tokens;

    @BeforeAll
    static void open() throws Exception {
        kernels = Kernels.vector(2);
        Path f32 = SharedData.data("aidreams260K/aidreams260K-f32.gguf");
        reference = LlamaModel.owning(ModelFile.open(f32), kernels);
        String text = Files.readString(SharedData.data("aidreams260K/aidreams260K_teacher_samples.txt"), StandardCharsets.UTF_8);
        tokens = Tokenizers.forModel(f32).encode(text, true);
    }

    @AfterAll
    static void close() {
        if (reference != null) reference.close();
        if (kernels != null) kernels.close();
    }

    /**
     * The printed figures carry 6 decimals, so the tolerance is 0.5% or half a unit of the last
     * printed digit, whichever is larger (llama.cpp prints the F16 KL as 0.000001).
     */
    static void closeTo(double actual, double printed, String what) {
        assertThat(actual).as(what).isCloseTo(printed, within(Math.max(printed * 0.005, 0.5e-6)));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            // file (data: ../shared/data/aidreams260K, golden: ../shared/golden), llama.cpp PPL, mean KLD, same top %
            "data:aidreams260K-f16.gguf,                  8.912950, 0.000001, 100.000",
            "golden:aidreams260K.Q4_0.pure.llamacpp.gguf, 9.196744, 0.032190, 88.831",
            "golden:aidreams260K.Q4_0.llamacpp.gguf,      9.160221, 0.026302, 90.880",
            "golden:aidreams260K.Q4_1.pure.llamacpp.gguf, 9.045786, 0.025108, 90.996",
            "golden:aidreams260K.Q5_0.pure.llamacpp.gguf, 9.009674, 0.007756, 94.805",
            "golden:aidreams260K.Q5_1.pure.llamacpp.gguf, 8.956209, 0.006374, 94.834",
            "golden:aidreams260K.Q4_K_M.llamacpp.gguf,    9.013811, 0.005598, 95.613"})
    void perplexityAndKlMatchLlamaPerplexity(String file, double ppl, double kl, double sameTop) throws Exception {
        Perplexity.Result r = evaluate(file);
        assertThat(r.chunks()).isEqualTo(55);
        assertThat(r.tokensScored()).isEqualTo(55 * 63);
        closeTo(r.referencePerplexity(), 8.9130, "F32 perplexity");
        closeTo(r.perplexity(), ppl, "perplexity");
        closeTo(r.meanKl(), kl, "mean KL");
        // same-top agreement: llama.cpp's standard error is 0.1-0.5 points here
        assertThat(r.top1Agreement() * 100).as("same top token %").isCloseTo(sameTop, within(1.0));
    }

    /**
     * BF16 and Q8_0 lose so little that their mean KL is set by a few tokens whose activations sit
     * on a rounding boundary of the BF16/Q8_0 conversion; which tokens those are depends on the last
     * bit of every float sum before the conversion. Changing only our own summation order (scalar
     * instead of vector kernels) moves the Q8_0 mean KL by 0.8% and the BF16 one by 0.24%, while the
     * per-token KL quantiles agree with llama-perplexity's (median, 90/95/99% within 6%),
     * so matching within 0.5% would take llama.cpp's exact AVX2 operation order on the golden
     * machine. The bound here is 2% of the printed figure plus half its last printed digit
     * (llama.cpp prints BF16's KL as 0.000033, two significant digits).
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "data:aidreams260K-bf16.gguf,                 8.913832, 0.000033, 99.625",
            "golden:aidreams260K.Q8_0.llamacpp.gguf,      8.930181, 0.000250, 98.903"})
    void nearLosslessVariantsWithinTheirRoundingSpread(String file, double ppl, double kl, double sameTop) throws Exception {
        Perplexity.Result r = evaluate(file);
        closeTo(r.perplexity(), ppl, "perplexity");
        assertThat(r.meanKl()).as("mean KL").isCloseTo(kl, within(kl * 0.02 + 0.5e-6));
        assertThat(r.top1Agreement() * 100).as("same top token %").isCloseTo(sameTop, within(1.0));
    }

    /** file: "data:NAME" (../shared/data/aidreams260K) or "golden:NAME" (../shared/golden), scored against F32. */
    private static Perplexity.Result evaluate(String file) throws Exception {
        Path path = file.startsWith("data:") ? SharedData.data("aidreams260K/" + file.substring(5))
                : SharedData.golden(file.substring(7));
        try (LlamaModel m = LlamaModel.owning(ModelFile.open(path), kernels)) {
            return Perplexity.evaluate(m, reference, tokens, 128, 1, null);
        }
    }
}
