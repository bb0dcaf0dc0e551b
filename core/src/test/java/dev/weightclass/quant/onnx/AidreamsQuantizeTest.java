package dev.weightclass.quant.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.weightclass.SharedData;
import dev.weightclass.format.ModelFile;
import dev.weightclass.format.onnx.OnnxFile;
import dev.weightclass.format.onnx.proto.Onnx;
import dev.weightclass.size.SizeEstimator;
import dev.weightclass.tensor.TensorInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** aidreams260K (a llama2.c model exported to ONNX opset 17) quantized and run by ONNX Runtime. */
class AidreamsQuantizeTest {
    @TempDir
    Path dir;

    static Path model() {
        return SharedData.data("aidreams260K/aidreams260K.onnx");
    }

    @Test
    void int8AndInt4RunInOnnxRuntimeAndPredictLikeFp32() throws Exception {
        List<long[]> samples = teacherSamples(4, 128);
        float[][] ref = logits(model(), samples);
        for (OnnxQuantType type : OnnxQuantType.values()) {
            Path out = dir.resolve("aidreams-" + type.label() + ".onnx");
            OnnxQuantizer.Plan plan;
            try (OnnxFile in = open(model())) {
                plan = OnnxQuantizer.quantize(in, out, OnnxQuantizer.Options.of(type));
            }
            // 28 layer weights (q, k, v, o, w1, w2, w3 x 4) and the classifier; int8 also the embedding table
            assertThat(plan.decisions()).hasSize(type == OnnxQuantType.INT8 ? 30 : 29);
            float[][] got = logits(out, samples);
            double agree = top1Agreement(ref, got);
            System.out.printf(Locale.ROOT, "aidreams260K %s: %,d bytes (fp32 %,d), top-1 agreement with fp32 %.4f over %d positions%n",
                    type.label(), Files.size(out), Files.size(model()), agree, ref.length);
            assertThat(agree).as(type.label()).isGreaterThan(type == OnnxQuantType.INT8 ? 0.95 : 0.75);
        }
    }

    @Test
    void structureIsKeptAndOnlyWeightsChange() throws Exception {
        Path out = dir.resolve("a4.onnx");
        try (OnnxFile in = open(model())) {
            OnnxQuantizer.quantize(in, out, OnnxQuantizer.Options.of(OnnxQuantType.INT4));
        }
        Onnx.ModelProto a = Onnx.ModelProto.parseFrom(Files.readAllBytes(model()));
        Onnx.ModelProto b = Onnx.ModelProto.parseFrom(Files.readAllBytes(out));
        assertThat(b.getIrVersion()).isEqualTo(a.getIrVersion());
        assertThat(b.getMetadataPropsList()).isEqualTo(a.getMetadataPropsList());
        assertThat(b.getOpsetImportList()).containsAll(a.getOpsetImportList())
                .contains(Onnx.OperatorSetIdProto.newBuilder().setDomain("com.microsoft").setVersion(1).build());
        assertThat(b.getGraph().getInputList()).isEqualTo(a.getGraph().getInputList());
        assertThat(b.getGraph().getOutputList()).isEqualTo(a.getGraph().getOutputList());
        long matmuls = a.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("MatMul")).count();
        long nbits = b.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("MatMulNBits")).count();
        long left = b.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("MatMul")).count();
        assertThat(nbits).isEqualTo(29);
        assertThat(left).isEqualTo(matmuls - 29); // the attention products of two activations stay
        // untouched initializers are copied as they were
        var before = a.getGraph().getInitializerList().stream().filter(t -> t.getName().equals("l0_an_w")).findFirst().orElseThrow();
        var after = b.getGraph().getInitializerList().stream().filter(t -> t.getName().equals("l0_an_w")).findFirst().orElseThrow();
        assertThat(after).isEqualTo(before);
    }

    @Test
    void writtenInitializerBytesAreWhatSizePredicts() throws Exception {
        try (ModelFile in = ModelFile.open(model())) {
            var report = SizeEstimator.estimate(in);
            for (OnnxQuantType type : OnnxQuantType.values()) {
                Path out = dir.resolve(type.label() + ".onnx");
                OnnxQuantizer.quantize((OnnxFile) in, out, OnnxQuantizer.Options.of(type));
                try (ModelFile q = ModelFile.open(out)) {
                    long written = q.tensors().stream().mapToLong(TensorInfo::byteSize).sum();
                    assertThat(written).as(type.label()).isEqualTo(report.variant(type.label(), "onnx").orElseThrow().weightBytes());
                }
            }
        }
    }

    /** The same model with its weights in an external data file gives the identical quantized model. */
    @Test
    void externalDataInputGivesTheSameResult() throws Exception {
        Path external = dir.resolve("ext").resolve("aidreams-ext.onnx");
        Files.createDirectories(external.getParent());
        Onnx.ModelProto m = Onnx.ModelProto.parseFrom(Files.readAllBytes(model()));
        Onnx.GraphProto.Builder g = m.getGraph().toBuilder();
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            Onnx.TensorProto t = g.getInitializer(i);
            if (t.getRawData().size() < 1024) continue;
            long offset = data.size();
            data.writeBytes(t.getRawData().toByteArray());
            g.setInitializer(i, t.toBuilder().setRawData(ByteString.EMPTY).clearRawData()
                    .setDataLocation(Onnx.TensorProto.DataLocation.EXTERNAL)
                    .addExternalData(entry("location", "weights.bin"))
                    .addExternalData(entry("offset", String.valueOf(offset)))
                    .addExternalData(entry("length", String.valueOf(t.getRawData().size()))));
        }
        Files.write(external.resolveSibling("weights.bin"), data.toByteArray());
        Files.write(external, m.toBuilder().setGraph(g).build().toByteArray());

        List<long[]> samples = teacherSamples(1, 64);
        for (OnnxQuantType type : OnnxQuantType.values()) {
            Path fromInline = dir.resolve("inline-" + type.label() + ".onnx"), fromExternal = dir.resolve("external-" + type.label() + ".onnx");
            try (OnnxFile a = open(model()); OnnxFile b = open(external)) {
                OnnxQuantizer.quantize(a, fromInline, OnnxQuantizer.Options.of(type));
                OnnxQuantizer.quantize(b, fromExternal, OnnxQuantizer.Options.of(type));
            }
            Onnx.ModelProto q = Onnx.ModelProto.parseFrom(Files.readAllBytes(fromExternal));
            assertThat(q.getGraph().getInitializerList()).noneMatch(t -> t.getDataLocation() == Onnx.TensorProto.DataLocation.EXTERNAL);
            assertThat(logits(fromExternal, samples)).isDeepEqualTo(logits(fromInline, samples));
        }
    }

    private static Onnx.StringStringEntryProto entry(String k, String v) {
        return Onnx.StringStringEntryProto.newBuilder().setKey(k).setValue(v).build();
    }

    static OnnxFile open(Path p) throws java.io.IOException {
        return (OnnxFile) ModelFile.open(p);
    }

    /** Token ids of the model's own sampled texts, each cut to {@code len}. */
    static List<long[]> teacherSamples(int count, int len) throws Exception {
        JsonNode root = new ObjectMapper().readTree(SharedData.data("aidreams260K/aidreams260K_teacher_samples.json").toFile());
        List<long[]> out = new ArrayList<>();
        for (int s = 0; s < count; s++) {
            JsonNode ids = root.get(s).get("ids");
            long[] v = new long[Math.min(len, ids.size())];
            for (int i = 0; i < v.length; i++) v[i] = ids.get(i).asLong();
            out.add(v);
        }
        return out;
    }

    /** Logits at every position of every sample, one row per position. */
    static float[][] logits(Path model, List<long[]> samples) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        List<float[]> rows = new ArrayList<>();
        try (OrtSession s = env.createSession(model.toString(), new OrtSession.SessionOptions())) {
            for (long[] ids : samples) {
                try (OnnxTensor t = OnnxTensor.createTensor(env, new long[][] {ids});
                     OrtSession.Result r = s.run(Map.of("input_ids", t))) {
                    float[][][] l = (float[][][]) r.get(0).getValue();
                    rows.addAll(List.of(l[0]));
                }
            }
        }
        return rows.toArray(float[][]::new);
    }

    static double top1Agreement(float[][] a, float[][] b) {
        int same = 0;
        for (int i = 0; i < a.length; i++) if (argmax(a[i]) == argmax(b[i])) same++;
        return (double) same / a.length;
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
