package dev.weightclass.quant.onnx;

import dev.weightclass.eval.StsEvaluation;
import dev.weightclass.SharedData;
import dev.weightclass.format.BundledModels;
import dev.weightclass.format.ModelFile;
import dev.weightclass.format.onnx.OnnxFile;
import dev.weightclass.runtime.tokenizer.Tokenizers;
import dev.weightclass.size.SizeEstimator;
import dev.weightclass.tensor.TensorInfo;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * all-MiniLM-L6-v2 fp32 quantized to int8 and int4, run by ONNX Runtime, scored on the STS
 * benchmark dev pairs (Spearman of cosine vs gold) against the fp32 model and the published
 * int8 file.
 */
class MiniLmQuantizeTest {
    static final long PUBLISHED_INT8_BYTES = 22_972_370L;

    @TempDir
    static Path dir;
    static Path fp32, int8, int4, published;
    static OnnxQuantizer.Plan plan8, plan4;

    @BeforeAll
    static void quantize() throws Exception {
        fp32 = BundledModels.extract(BundledModels.MINILM_L6_V2);
        published = BundledModels.extract(BundledModels.MINILM_L6_V2_INT8);
        int8 = dir.resolve("minilm-int8.onnx");
        int4 = dir.resolve("minilm-int4.onnx");
        try (OnnxFile in = (OnnxFile) ModelFile.open(fp32)) {
            plan8 = OnnxQuantizer.quantize(in, int8, OnnxQuantizer.Options.of(OnnxQuantType.INT8));
            plan4 = OnnxQuantizer.quantize(in, int4, OnnxQuantizer.Options.of(OnnxQuantType.INT4));
        }
    }

    @Test
    void int8IsNoLargerThanThePublishedFileAndScoresWithinHalfAPointOfFp32() throws Exception {
        List<StsPair> pairs = StsPair.read(SharedData.data("sts-benchmark/sts-dev.ccbysa-subset.tsv"));
        List<String> sentences = new ArrayList<>();
        for (StsPair p : pairs) {
            sentences.add(p.first());
            sentences.add(p.second());
        }
        List<int[]> tokens = OrtEmbeddings.tokenize(Tokenizers.miniLm(), sentences);
        float[][] e32 = embed(fp32, tokens), e8 = embed(int8, tokens), e4 = embed(int4, tokens), ePub = embed(published, tokens);
        double s32 = StsPair.spearman(pairs, e32), s8 = StsPair.spearman(pairs, e8), s4 = StsPair.spearman(pairs, e4),
                sPub = StsPair.spearman(pairs, ePub);
        double[] c8 = cosines(e32, e8), c4 = cosines(e32, e4), cPub = cosines(e32, ePub);
        System.out.printf(Locale.ROOT, "MiniLM STS dev (%d pairs) Spearman: fp32 %.4f, int8 %.4f, int4 %.4f, published int8 %.4f%n",
                pairs.size(), s32, s8, s4, sPub);
        System.out.printf(Locale.ROOT, "cosine to fp32 (mean / min over %d sentences): int8 %.5f / %.5f, int4 %.5f / %.5f, published int8 %.5f / %.5f%n",
                sentences.size(), c8[0], c8[1], c4[0], c4[1], cPub[0], cPub[1]);
        System.out.printf(Locale.ROOT, "file bytes: int8 %,d, int4 %,d, published int8 %,d%n", Files.size(int8), Files.size(int4),
                Files.size(published));

        assertThat(Files.size(int8)).isLessThanOrEqualTo(PUBLISHED_INT8_BYTES);
        assertThat(s8).isGreaterThanOrEqualTo(s32 - 0.005);
        assertThat(c8[1]).as("worst int8 cosine").isGreaterThan(0.98);
        // 4-bit weights cost more, but the model must still be the same model
        assertThat(c4[0]).as("mean int4 cosine").isGreaterThan(0.95);
        assertThat(s4).isGreaterThan(s32 - 0.03);
    }

    /** Chunks of each weight run on worker threads but are written in order: the file is the same. */
    @Test
    void threadsDoNotChangeTheBytes() throws Exception {
        try (OnnxFile in = (OnnxFile) ModelFile.open(fp32)) {
            for (var c : List.of(new Object[] {OnnxQuantType.INT8, int8}, new Object[] {OnnxQuantType.INT4, int4})) {
                Path parallel = dir.resolve("parallel-" + c[0] + ".onnx");
                long[] done = {0};
                OnnxQuantizer.Plan plan = OnnxQuantizer.quantize(in, parallel, OnnxQuantizer.Options.of((OnnxQuantType) c[0]),
                        3, b -> done[0] += b);
                assertThat(Files.mismatch(parallel, (Path) c[1])).as("first differing byte, " + c[0]).isEqualTo(-1L);
                assertThat(done[0]).as("progress").isEqualTo(plan.inputBytes());
                assertThat(plan.inputBytes()).isGreaterThan(80_000_000L);
            }
        }
    }

    @Test
    void writtenInitializerBytesAreWhatSizePredicts() throws Exception {
        try (ModelFile in = ModelFile.open(fp32)) {
            var report = SizeEstimator.estimate(in);
            for (var c : List.of(new Object[] {"int8", int8, plan8}, new Object[] {"int4", int4, plan4})) {
                long predicted = report.variant((String) c[0], "onnx").orElseThrow().weightBytes();
                try (ModelFile out = ModelFile.open((Path) c[1])) {
                    long written = out.tensors().stream().mapToLong(TensorInfo::byteSize).sum();
                    assertThat(written).as((String) c[0]).isEqualTo(predicted);
                    assertThat(((OnnxQuantizer.Plan) c[2]).initializerBytes()).isEqualTo(written);
                }
                assertThat(((OnnxQuantizer.Plan) c[2]).fileBytes()).isEqualTo(Files.size((Path) c[1]));
            }
        }
    }

    private static float[][] embed(Path model, List<int[]> tokens) throws Exception {
        try (OrtEmbeddings e = new OrtEmbeddings(model)) {
            return e.embed(tokens);
        }
    }

    /** {mean, min} of the cosine between matching rows. */
    private static double[] cosines(float[][] a, float[][] b) {
        double sum = 0, min = 1;
        for (int i = 0; i < a.length; i++) {
            double c = StsEvaluation.cosine(a[i], b[i]);
            sum += c;
            min = Math.min(min, c);
        }
        return new double[] {sum / a.length, min};
    }
}
