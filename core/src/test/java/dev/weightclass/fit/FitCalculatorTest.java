package dev.weightclass.fit;

import dev.weightclass.WeightclassException;
import dev.weightclass.format.Hyperparameters;
import dev.weightclass.tensor.TensorType;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FitCalculatorTest {

    static final DeviceCatalog CATALOG = DeviceCatalog.builtIn();

    static FitCalculator calc(InferenceRuntime r, int ctx) {
        return new FitCalculator(r, RunConfig.defaults(ctx), 50e6);
    }

    @Test
    void sevenBillionQ4KMDoesNotFitAFourGigabytePhoneButFitsA16GbM2() {
        ModelVariant v = LlamaShapes.q4km(LlamaShapes.LLAMA2_7B);
        assertThat(v.weightBytes()).isBetween(3_800_000_000L, 4_100_000_000L);   // ~4.08 GB file published
        FitResult phone = calc(InferenceRuntime.LLAMA_CPP, 2048).fit(v, CATALOG.find("Galaxy A15"), AttentionWindow.NONE);
        assertThat(phone.fits()).isFalse();
        assertThat(phone.binding()).isEqualTo(Limit.RAM);
        assertThat(phone.headroom()).isNegative();
        FitResult mac = calc(InferenceRuntime.LLAMA_CPP, 2048).fit(v, CATALOG.find("MacBook Air M2"), AttentionWindow.NONE);
        assertThat(mac.fits()).isTrue();
        assertThat(mac.headroom()).isPositive();
        // bandwidth bound: 100 GB/s x 0.55 / ~3.9 GB per token
        assertThat(mac.speed().decodeTokensPerSecond()).isBetween(10.0, 20.0);
        FitResult web = calc(InferenceRuntime.WEBGPU, 2048).fit(v, CATALOG.find("MacBook Air M2"), AttentionWindow.NONE);
        assertThat(web.fits()).isTrue();
        FitResult iphone = calc(InferenceRuntime.LLAMA_CPP, 2048).fit(v, CATALOG.find("iPhone 15 Pro"), AttentionWindow.NONE);
        assertThat(iphone.fits()).isTrue();
        assertThat(calc(InferenceRuntime.LLAMA_CPP, 2048).fit(v, CATALOG.find("iPhone 13"), AttentionWindow.NONE).binding())
                .isEqualTo(Limit.APP_LIMIT);
    }

    @Test
    void tensorAboveTheWebGpuBindingLimitDoesNotBind() {
        // Gemma-7B shapes at F16: the 256000 x 3072 embedding is 1.46 GiB, above a 1 GiB binding
        Hyperparameters gemma = new Hyperparameters("gemma", 28, 3072, 16, 16, 256, 24576, 256000, 8192, true);
        ModelVariant v = LlamaShapes.variant(gemma, "F16", n -> TensorType.F16);
        Device s24 = CATALOG.find("S24 Ultra");
        assertThat(v.largestTensorBytes()).isGreaterThan(s24.webgpu().maxStorageBufferBindingSize())
                .isLessThan(s24.webgpu().maxBufferSize());
        FitResult r = calc(InferenceRuntime.WEBGPU, 2048).fit(v, s24, AttentionWindow.NONE);
        assertThat(r.fits()).isFalse();
        assertThat(r.binding()).isEqualTo(Limit.TENSOR_BINDING);
        assertThat(r.reason()).contains("token_embd.weight").contains("maxStorageBufferBindingSize");
        // A 4 GiB binding (Chrome on Apple silicon) takes it
        FitResult mac = calc(InferenceRuntime.WEBGPU, 2048).fit(v, CATALOG.find("M3 Max"), AttentionWindow.NONE);
        assertThat(mac.binding()).isNotEqualTo(Limit.TENSOR_BINDING);
        assertThat(mac.fits()).isTrue();
    }

    @Test
    void storageQuotaAndMissingWebGpuBind() {
        ModelVariant small = LlamaShapes.tinyLlamaQ4_0();
        Device pi = CATALOG.find("Raspberry Pi 5");
        FitResult r = calc(InferenceRuntime.WEBGPU, 2048).fit(small, pi, AttentionWindow.NONE);
        assertThat(r.binding()).isEqualTo(Limit.NO_WEBGPU);
        Device tiny = new Device("tiny quota", List.of(), "test", "x", "", "", 16L << 30, true, 0, 50, 50, 100, 1,
                1L << 30, 0, 0.5, 0, new WebGpuLimits(1L << 31, 1L << 30, "test"), 500_000_000L, "test");
        FitResult q = calc(InferenceRuntime.WEBGPU, 2048).fit(small, tiny, AttentionWindow.NONE);
        assertThat(q.binding()).isEqualTo(Limit.STORAGE_QUOTA);
        assertThat(q.fits()).isFalse();
    }

    @Test
    void recommendationPicksTheBestFittingVariantAndItsLargestContext() {
        List<ModelVariant> variants = List.of(
                LlamaShapes.variant(LlamaShapes.LLAMA2_7B, "F16", n -> TensorType.F16),
                LlamaShapes.variant(LlamaShapes.LLAMA2_7B, "Q8_0", n -> TensorType.Q8_0),
                LlamaShapes.q4km(LlamaShapes.LLAMA2_7B),
                LlamaShapes.variant(LlamaShapes.LLAMA2_7B, "Q2_K", n -> TensorType.Q2_K));
        FitCalculator c = calc(InferenceRuntime.LLAMA_CPP, 2048);
        Recommendation m2 = c.recommend(variants, CATALOG.find("M2"), AttentionWindow.NONE);
        assertThat(m2.best().variant().type()).isEqualTo("Q8_0");   // F16 (13.5 GB) > 12 GiB usable
        assertThat(m2.maxContext()).isEqualTo(4096);                 // trained context
        Recommendation pixel = c.recommend(variants, CATALOG.find("Pixel 8"), AttentionWindow.NONE);
        assertThat(pixel.best().variant().type()).isEqualTo("Q4_K_M");
        assertThat(pixel.maxContext()).isGreaterThanOrEqualTo(2048).isLessThanOrEqualTo(4096);
        // one step more context no longer fits, unless the trained context capped it
        if (pixel.maxContext() < 4096) {
            assertThat(c.fit(pixel.best().variant(), CATALOG.find("Pixel 8"), AttentionWindow.NONE,
                    c.run().withContext(pixel.maxContext() + 256)).fits()).isFalse();
        }
        Recommendation a15 = c.recommend(variants, CATALOG.find("A15"), AttentionWindow.NONE);
        assertThat(a15.best()).isNull();
        assertThat(a15.text()).contains("no variant fits");
    }

    @Test
    void slidingWindowLayersCacheOnlyTheWindow() {
        // Gemma-2-2B: 26 layers, 8 heads, 4 KV heads, head_dim 256, window 4096 on every other layer
        Hyperparameters g2 = new Hyperparameters("gemma2", 26, 2304, 8, 4, 256, 9216, 256000, 8192, true);
        AttentionWindow w = AttentionWindow.forArchitecture("gemma2", null);
        KvCacheSize kv = KvCacheModel.llamaCpp(g2, w, RunConfig.defaults(8192));
        assertThat(kv.slidingLayers()).isEqualTo(13);
        assertThat(kv.slidingCells()).isEqualTo(4096 + 512);
        long row = 4L * 256 * 2;
        assertThat(kv.bytes()).isEqualTo(2 * row * (13L * 8192 + 13L * 4608));
        // below the window both halves hold the whole context
        assertThat(KvCacheModel.llamaCpp(g2, w, RunConfig.defaults(2048)).bytes()).isEqualTo(2 * row * 26L * 2048);
    }

    @Test
    void badInputsFailClearly() {
        assertThatThrownBy(() -> RunConfig.defaults(0)).isInstanceOf(WeightclassException.class)
                .hasMessageContaining("context length must be positive");
        assertThatThrownBy(() -> RunConfig.defaults(512).withKvType(TensorType.Q6_K))
                .hasMessageContaining("not one llama.cpp offers");
        Hyperparameters zeroHeads = new Hyperparameters("llama", 2, 64, 0, 0, 0, 128, 100, 128, false);
        ModelVariant v = new ModelVariant("x", "F32", "gguf", 0, zeroHeads, List.of());
        assertThatThrownBy(() -> new LlamaCppMemory().estimate(v, RunConfig.defaults(512)))
                .isInstanceOf(WeightclassException.class).hasMessageContaining("heads 0");
        // K/V width 2 x 40 = 80 is not a whole number of Q4_0's 32-element blocks
        Hyperparameters odd = new Hyperparameters("llama", 2, 80, 2, 2, 40, 128, 100, 128, false);
        ModelVariant o = new ModelVariant("x", "F32", "gguf", 0, odd, List.of());
        assertThatThrownBy(() -> new LlamaCppMemory().estimate(o, RunConfig.defaults(512).withKvType(TensorType.Q4_0)))
                .hasMessageContaining("multiple of 32");
        assertThatThrownBy(() -> new LlamaCppMemory().estimate(o,
                RunConfig.defaults(512).withKvType(TensorType.Q8_0).withFlashAttention(false)))
                .hasMessageContaining("flash attention");
    }
}
