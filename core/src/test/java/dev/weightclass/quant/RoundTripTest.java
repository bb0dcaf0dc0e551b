package dev.weightclass.quant;

import dev.weightclass.tensor.TensorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Dequantization checked three ways: exact grids, error bounds, and llama.cpp's own files. */
class RoundTripTest {

    static float[] gaussian(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            double u1 = r.nextDouble(), u2 = r.nextDouble();
            x[i] = (float) (Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2));
        }
        return x;
    }

    static double relRmse(float[] a, float[] b) {
        double e = 0, s = 0;
        for (int i = 0; i < a.length; i++) {
            e += (a[i] - b[i]) * (double) (a[i] - b[i]);
            s += a[i] * (double) a[i];
        }
        return Math.sqrt(e / s);
    }

    /** Upper bounds of relative RMSE on N(0,1) data; measured values sit well below. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"F32, 0", "F16, 0.0004", "BF16, 0.003", "Q8_0, 0.006", "Q8_1, 0.006", "Q8_K, 0.01",
            "Q6_K, 0.02", "Q5_1, 0.04", "Q5_0, 0.05", "Q5_K, 0.04", "Q4_1, 0.08", "Q4_0, 0.1", "Q4_K, 0.08",
            "IQ4_NL, 0.1", "IQ4_XS, 0.1", "Q3_K, 0.2", "Q2_K, 0.4"})
    void quantizeThenDequantizeStaysWithinTheTypesError(TensorType type, double bound) {
        RowQuantizer q = Quantizers.scalar(type).orElseThrow();
        int n = 4096;
        float[] x = gaussian(n, type.ordinal());
        byte[] b = new byte[q.rowBytes(n)];
        q.quantize(x, 0, n, b, 0);
        float[] y = new float[n];
        q.dequantize(b, 0, y, 0, n);
        double err = relRmse(x, y);
        assertThat(err).as(type.name()).isLessThanOrEqualTo(bound);
        if (bound > 0) assertThat(err).as(type.name() + " is lossy").isGreaterThan(bound / 20);
    }

    @Test
    void valuesOnTheQuantizationGridComeBackExactly() {
        float d = 0.0078125f; // a power of two: every product is exact
        float[] x = new float[64];
        for (int i = 0; i < 64; i++) x[i] = ((i * 37) % 255 - 127) * d;
        x[5] = -127 * d;
        x[40] = 127 * d;
        assertExact(TensorType.Q8_0, x);
        for (int i = 0; i < 64; i++) x[i] = ((i * 7) % 16 - 8) * d;
        x[3] = -8 * d;
        x[33] = -8 * d;
        assertExact(TensorType.Q4_0, x);
        for (int i = 0; i < 64; i++) x[i] = ((i * 7) % 32 - 16) * d;
        x[3] = -16 * d;
        x[33] = -16 * d;
        assertExact(TensorType.Q5_0, x);
    }

    private static void assertExact(TensorType type, float[] x) {
        RowQuantizer q = Quantizers.scalar(type).orElseThrow();
        byte[] b = new byte[q.rowBytes(x.length)];
        q.quantize(x, 0, x.length, b, 0);
        float[] y = new float[x.length];
        q.dequantize(b, 0, y, 0, x.length);
        assertThat(y).as(type.name()).containsExactly(x);
    }

    /** llama.cpp's own quantized tensors decode close to the weights they came from. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"synth-a.Q2_K.pure.gguf", "synth-a.Q3_K_S.pure.gguf", "synth-a.Q4_K_S.pure.gguf",
            "synth-a.Q5_K_S.pure.gguf", "synth-a.Q6_K.pure.gguf", "synth-a.IQ4_NL.pure.gguf",
            "synth-a.Q4_0.pure.gguf", "synth-a.Q4_1.pure.gguf", "synth-a.Q5_0.pure.gguf",
            "synth-a.Q5_1.pure.gguf", "synth-a.Q8_0.pure.gguf"})
    void llamaCppFilesDecodeCloseToTheirSource(String golden) throws IOException {
        for (GoldenFiles.Tensor t : GoldenFiles.tensors(golden)) {
            if (t.type() == TensorType.F32) continue;
            float[] src = GoldenFiles.floats(GoldenFiles.tensor("synth-a-f32.gguf", t.name()));
            RowQuantizer q = Quantizers.scalar(t.type()).orElseThrow();
            float[] y = new float[src.length];
            byte[] b = GoldenFiles.bytes(t);
            int n = t.rowLength();
            for (int r = 0; r < t.rows(); r++) q.dequantize(b, r * q.rowBytes(n), y, r * n, n);
            double bound = switch (t.type()) {
                case Q8_0 -> 0.006; case Q6_K -> 0.02; case Q5_0, Q5_1, Q5_K -> 0.05;
                case Q4_0, Q4_1, Q4_K, IQ4_NL -> 0.1; case Q3_K -> 0.2; default -> 0.4;
            };
            assertThat(relRmse(src, y)).as(golden + " " + t.name()).isLessThan(bound);
        }
    }

    @Test
    void ternaryAndMxfp4DecodeTheirDocumentedLevels() {
        // TQ2_0: every 2-bit code c means (c - 1) * d; d = 0.5 stored as fp16 at byte 64.
        byte[] tq2 = new byte[66];
        for (int i = 0; i < 64; i++) tq2[i] = (byte) 0b10_01_00_10; // codes 2,0,1,2 -> 1,-1,0,1
        Half.put(tq2, 64, Half.fromFloat(0.5f));
        float[] y = new float[256];
        Quantizers.forType(TensorType.TQ2_0).dequantize(tq2, 0, y, 0, 256);
        assertThat(y[0]).isEqualTo(0.5f);     // element 0: code bits 0-1 = 2
        assertThat(y[32]).isEqualTo(-0.5f);   // element 32: bits 2-3 = 0
        assertThat(y[64]).isEqualTo(0f);      // bits 4-5 = 1
        assertThat(y[96]).isEqualTo(0.5f);    // bits 6-7 = 2
        // TQ1_0: byte 243*k/... encodes 5 trits; 0 decodes to all -1, and d multiplies.
        byte[] tq1 = new byte[54];
        Half.put(tq1, 52, Half.fromFloat(2f));
        Quantizers.forType(TensorType.TQ1_0).dequantize(tq1, 0, y, 0, 256);
        for (float v : y) assertThat(v).isEqualTo(-2f);
        // MXFP4: exponent 127 -> scale 1 (halved table); nibble 7 = 6.0, nibble 15 = -6.0.
        byte[] mx = new byte[17];
        mx[0] = (byte) 127;
        mx[1] = (byte) 0xF7;
        Quantizers.forType(TensorType.MXFP4).dequantize(mx, 0, y, 0, 32);
        assertThat(y[0]).isCloseTo(6f, within(0f));
        assertThat(y[16]).isCloseTo(-6f, within(0f));
    }

    @Test
    void rowsThatDoNotFitTheBlockAreRejected() {
        RowQuantizer q = Quantizers.forType(TensorType.Q4_K);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> q.rowBytes(172))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("172");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Quantizers.forType(TensorType.TQ1_0)
                        .quantize(new float[256], 0, 256, new byte[54], 0))
                .isInstanceOf(UnsupportedOperationException.class);
    }
}
