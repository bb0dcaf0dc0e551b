package dev.weightclass.format.onnx;

import dev.weightclass.SharedData;
import dev.weightclass.format.BundledModels;
import dev.weightclass.format.Hyperparameters;
import dev.weightclass.format.ModelFile;
import dev.weightclass.format.onnx.proto.Onnx;
import dev.weightclass.size.ModelInspection;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorRole;
import dev.weightclass.tensor.TensorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class OnnxReaderTest {
    @TempDir
    Path dir;

    static Path aidreams() {
        return SharedData.data("aidreams260K/aidreams260K.onnx");
    }

    static Path minilm() throws IOException {
        return BundledModels.extract(BundledModels.MINILM_L6_V2);
    }

    static Path minilmInt8() throws IOException {
        return BundledModels.extract(BundledModels.MINILM_L6_V2_INT8);
    }

    @Test
    void aidreamsCountsTheLlamaParametersOnly() throws IOException {
        try (ModelFile m = ModelFile.open(aidreams())) {
            ModelInspection in = ModelInspection.of(m);
            // 230,976 = the llama2.c checkpoint's weights. Not counted: rotary tables, the causal
            // mask, shape vectors, scalars, and the classifier, which is the embedding transposed.
            assertThat(in.parameters()).isEqualTo(230_976);
            assertThat(in.sizeClass()).isEqualTo("231K");
            assertThat(m.tensor("wclsT").orElseThrow().role()).isEqualTo(TensorRole.TIED_COPY);
            assertThat(m.tensor("mask_t").orElseThrow().role()).isEqualTo(TensorRole.CONSTANT);
            assertThat(m.tensor("cos_t").orElseThrow().role()).isEqualTo(TensorRole.CONSTANT);
            assertThat(m.tensor("shp_q").orElseThrow().role()).isEqualTo(TensorRole.CONSTANT);
            assertThat(m.tensor("l2_q_wT").orElseThrow().role()).isEqualTo(TensorRole.ATTENTION);
            assertThat(m.tensor("l2_q_wT").orElseThrow().layer()).isEqualTo(2);
            assertThat(m.tensor("l3_w2_wT").orElseThrow().role()).isEqualTo(TensorRole.FFN);
            assertThat(m.tensor("l1_an_w").orElseThrow().role()).isEqualTo(TensorRole.NORM);
            assertThat(in.parametersByLayer()).hasSize(4).allSatisfy((k, v) -> assertThat(v).isEqualTo(49_536));
            assertThat(m.metadata()).containsEntry("onnx.ir_version", 8L);
            assertThat(m.metadata().get("onnx.inputs").toString()).contains("input_ids");
            assertThat(m.metadata().get("onnx.outputs").toString()).contains("logits");
            assertThat(m.metadata().get("onnx.opset_import")).isEqualTo(Map.of("ai.onnx", 17L));
            assertThat(((Map<?, ?>) m.metadata().get("onnx.op_types")).get("Softmax")).isEqualTo(4);
        }
    }

    @Test
    void aidreamsHyperparametersComeFromTheGraphEvenWithoutMetadata() throws IOException {
        Hyperparameters expected = new Hyperparameters("llama", 4, 64, 4, 4, 16, 172, 512, 128, true);
        try (ModelFile m = ModelFile.open(aidreams())) {
            assertThat(m.hyperparameters()).isEqualTo(expected);
        }
        // The exporter also wrote dim/n_layers/... into metadata_props: drop them, and the producer.
        Onnx.ModelProto full = Onnx.ModelProto.parseFrom(Files.readAllBytes(aidreams()));
        Path bare = dir.resolve("bare.onnx");
        Files.write(bare, full.toBuilder().clearMetadataProps().clearProducerName().build().toByteArray());
        try (ModelFile m = ModelFile.open(bare)) {
            assertThat(m.hyperparameters()).isEqualTo(expected);
            assertThat(ModelInspection.of(m).parameters()).isEqualTo(230_976);
        }
    }

    @Test
    void rawDataOffsetsMatchProtobufParsing() throws IOException {
        for (Path p : List.of(aidreams(), minilmInt8())) {
            Onnx.ModelProto proto = Onnx.ModelProto.parseFrom(Files.readAllBytes(p));
            Map<String, Onnx.TensorProto> byName = proto.getGraph().getInitializerList().stream()
                    .collect(Collectors.toMap(Onnx.TensorProto::getName, Function.identity()));
            try (ModelFile m = ModelFile.open(p)) {
                assertThat(m.tensors()).hasSize(byName.size());
                int compared = 0;
                for (TensorInfo t : m.tensors()) {
                    Onnx.TensorProto tp = byName.get(t.name());
                    assertThat(t.shape()).containsExactly(tp.getDimsList().stream().mapToLong(Long::longValue).toArray());
                    byte[] ours = m.data(t).toArray(ValueLayout.JAVA_BYTE);
                    if (tp.hasRawData()) {
                        assertThat(ours).as(t.name()).isEqualTo(tp.getRawData().toByteArray());
                        compared++;
                    } else if (t.type() == TensorType.F32) {
                        float[] f = m.data(t).toArray(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN));
                        assertThat(f.length).isEqualTo(tp.getFloatDataCount());
                        for (int i = 0; i < f.length; i++) assertThat(f[i]).isEqualTo(tp.getFloatData(i));
                        compared++;
                    } else if (t.type() == TensorType.I8 || t.type() == TensorType.U8) {
                        assertThat(ours.length).isEqualTo(tp.getInt32DataCount());
                        for (int i = 0; i < ours.length; i++) assertThat((byte) tp.getInt32Data(i)).isEqualTo(ours[i]);
                        compared++;
                    }
                }
                assertThat(compared).isEqualTo(byName.size());
            }
        }
    }

    @Test
    void miniLmFp32AndInt8HaveTheSameParametersAndShape() throws IOException {
        // Published all-MiniLM-L6-v2 count is 22,713,216 with the BERT pooler (147,840), which the
        // ONNX export leaves out.
        Hyperparameters expected = new Hyperparameters("bert", 6, 384, 12, 12, 32, 1536, 30522, 512, null);
        long fp32;
        try (ModelFile m = ModelFile.open(minilm())) {
            ModelInspection in = ModelInspection.of(m);
            fp32 = in.parameters();
            assertThat(fp32).isEqualTo(22_713_216 - 147_840);
            assertThat(in.sizeClass()).isEqualTo("23M");
            assertThat(m.hyperparameters()).isEqualTo(expected);
            assertThat(m.tensor("embeddings.position_ids").orElseThrow().role()).isEqualTo(TensorRole.CONSTANT);
            TensorInfo q0 = m.tensor("onnx::MatMul_787").orElseThrow(); // named by the exporter, placed by its node
            assertThat(q0.role()).isEqualTo(TensorRole.ATTENTION);
            assertThat(q0.layer()).isEqualTo(0);
            assertThat(m.tokenizer()).isPresent();
            assertThat(m.tokenizer().get().kind()).isEqualTo("WordPiece");
            assertThat(m.tokenizer().get().vocabSize()).isEqualTo(30522);
        }
        try (ModelFile m = ModelFile.open(minilmInt8())) {
            ModelInspection in = ModelInspection.of(m);
            assertThat(in.parameters()).isEqualTo(fp32);
            assertThat(m.hyperparameters()).isEqualTo(expected);
            TensorInfo w = m.tensor("onnx::MatMul_787_quantized").orElseThrow();
            assertThat(w.type()).isEqualTo(TensorType.I8);
            assertThat(w.parameters()).isEqualTo(384 * 384);
            assertThat(w.role()).isEqualTo(TensorRole.ATTENTION);
            assertThat(m.tensor("onnx::MatMul_787_scale").orElseThrow().role()).isEqualTo(TensorRole.QUANT_PARAM);
            assertThat(m.tensor("onnx::MatMul_787_zero_point").orElseThrow().role()).isEqualTo(TensorRole.QUANT_PARAM);
            assertThat(m.tensor("embeddings.word_embeddings.weight_quantized").orElseThrow().role()).isEqualTo(TensorRole.EMBEDDING);
            long quantParamElements = m.tensors().stream().filter(t -> t.role() == TensorRole.QUANT_PARAM)
                    .mapToLong(TensorInfo::elements).sum();
            assertThat(quantParamElements).isGreaterThan(0);
            assertThat(in.parametersByType()).containsKeys("I8", "U8", "F32");
        }
    }

    @Test
    void folderWithTokenizerOpensTheModel() throws IOException {
        Path model = minilmInt8();
        Path folder = dir.resolve("minilm");
        Files.createDirectories(folder);
        Files.copy(model, folder.resolve("model.onnx"));
        Files.copy(model.resolveSibling("tokenizer.json"), folder.resolve("tokenizer.json"));
        try (ModelFile m = ModelFile.open(folder)) {
            assertThat(m.path().getFileName().toString()).isEqualTo("model.onnx");
            assertThat(m.tokenizer().orElseThrow().vocabSize()).isEqualTo(30522);
        }
    }

    @Test
    void openingThe90MbModelDoesNotLoadItIntoTheHeap() throws IOException {
        Path p = minilm();
        assertThat(Files.size(p)).isGreaterThan(90_000_000L);
        Runtime rt = Runtime.getRuntime();
        System.gc();
        long before = rt.totalMemory() - rt.freeMemory();
        try (ModelFile m = ModelFile.open(p)) {
            System.gc();
            long after = rt.totalMemory() - rt.freeMemory();
            assertThat(m.tensors()).hasSize(102);
            assertThat(after - before).as("heap growth while the model is open").isLessThan(30L << 20);
            // The data is there, read through the mapping.
            TensorInfo words = m.tensor("embeddings.word_embeddings.weight").orElseThrow();
            MemorySegment s = m.data(words);
            assertThat(s.byteSize()).isEqualTo(30522L * 384 * 4);
            assertThat(s.isNative()).isTrue();
        }
    }
}
