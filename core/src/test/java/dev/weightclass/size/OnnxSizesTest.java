package dev.weightclass.size;

import dev.weightclass.format.BundledModels;
import dev.weightclass.format.ModelFile;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** ONNX targets against the real all-MiniLM-L6-v2 exports (fp32, and ONNX Runtime's int8 dynamic one). */
class OnnxSizesTest {

    @Test
    void fromTheFp32FileTheInt8FileIsPredicted() throws Exception {
        Path fp32 = BundledModels.extract(BundledModels.MINILM_L6_V2);
        long int8Real = Files.size(BundledModels.extract(BundledModels.MINILM_L6_V2_INT8));
        try (ModelFile m = ModelFile.open(fp32)) {
            SizeReport r = SizeEstimator.estimate(m);
            SizeVariant own = r.variant("fp32", "onnx").orElseThrow();
            assertThat(own.exact()).isTrue();
            assertThat(own.bytes()).isEqualTo(Files.size(fp32));
            SizeVariant int8 = r.variant("int8", "onnx").orElseThrow();
            assertThat(int8.exact()).isFalse();
            assertThat((double) int8.bytes() / int8Real).isCloseTo(1.0, within(0.001));
            // fp16 halves every float initializer
            assertThat(r.variant("fp16", "onnx").orElseThrow().weightBytes()).isEqualTo(22_565_376L * 2 + 4096);
        }
    }

    /** From the catalog config alone: initializers exact, whole files within 0.1%. */
    @Test
    void fromTheCatalogConfigBothRealFilesAreClose() throws Exception {
        long fp32Real = Files.size(BundledModels.extract(BundledModels.MINILM_L6_V2));
        long int8Real = Files.size(BundledModels.extract(BundledModels.MINILM_L6_V2_INT8));
        SizeReport r = SizeEstimator.estimate(Catalog.get("all-MiniLM-L6-v2").spec(), "catalog");
        // 22,565,376 fp32 weights without the pooler (the export is the base encoder)
        assertThat(r.variant("fp32", "onnx").orElseThrow().weightBytes()).isEqualTo(22_565_376L * 4);
        assertThat((double) r.variant("fp32", "onnx").orElseThrow().bytes() / fp32Real).isCloseTo(1.0, within(0.001));
        assertThat((double) r.variant("int8", "onnx").orElseThrow().bytes() / int8Real).isCloseTo(1.0, within(0.001));
        // MatMulNBits: 16 bytes of 4-bit values and one fp32 scale per block of 32 (5 bits per weight); embeddings stay fp32
        SizeVariant int4 = r.variant("int4", "onnx").orElseThrow();
        assertThat(int4.weightBytes()).isEqualTo(10_616_832L / 32 * 20 + (11_917_824L + 30_720) * 4);
    }
}
