package dev.weightclass.cli;

import dev.weightclass.SharedData;
import dev.weightclass.format.BundledModels;
import dev.weightclass.format.onnx.proto.Onnx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code weightclass quantize MODEL.onnx --type int8|int4}: the command, and bad input. */
class OnnxQuantizeCommandTest {
    @TempDir
    Path dir;

    static Path aidreams() {
        return SharedData.data("aidreams260K/aidreams260K.onnx");
    }

    @Test
    void dryRunGivesTheExactSizeOfTheRealRun() {
        Path out = dir.resolve("a8.onnx");
        var dry = QuantizeCommandTest.run("quantize", aidreams().toString(), "-o", out.toString(), "--type", "INT8", "--dry-run");
        assertThat(dry.code()).as(dry.err()).isZero();
        assertThat(out).doesNotExist();
        assertThat(dry.out()).contains("l0_q_wT").contains("would write");
        var real = QuantizeCommandTest.run("quantize", aidreams().toString(), "-o", out.toString(), "--type", "int8");
        assertThat(real.code()).as(real.err()).isZero();
        assertThat(real.out()).contains("wrote").contains("30 weights quantized");
        String size = String.format(java.util.Locale.ROOT, "%,d bytes", out.toFile().length());
        assertThat(dry.out()).contains(size);
        assertThat(real.out()).contains(size);
    }

    @Test
    void aNonOnnxModelIsRefused() throws IOException {
        expectRefusal(SharedData.data("aidreams260K/aidreams260K-f32.gguf"), "int8", "quantizes ONNX models; this is GGUF");
        Path text = dir.resolve("notes.onnx");
        Files.writeString(text, "not a model at all\n");
        expectRefusal(text, "int8", "notes.onnx");
    }

    @Test
    void anUnknownTypeListsTheOnnxTypes() throws IOException {
        expectRefusal(aidreams(), "int3", "unknown quantization type 'int3'");
        var r = QuantizeCommandTest.run("quantize", aidreams().toString(), "-o", dir.resolve("x.onnx").toString(), "--type", "int3");
        assertThat(r.err()).contains("int8 int4").contains("Q4_K_M");
    }

    @Test
    void ggufTypesAndOptionsDoNotApplyToOnnx() throws IOException {
        expectRefusal(aidreams(), "q4_0", "this is ONNX (for ONNX use --type int8 or int4)");
        var r = QuantizeCommandTest.run("quantize", aidreams().toString(), "-o", dir.resolve("x.onnx").toString(), "--type", "int4", "--pure");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("GGUF types only");
    }

    @Test
    void anOperatorSetTooOldForInt8IsRefused() throws IOException {
        Onnx.ModelProto m = Onnx.ModelProto.parseFrom(Files.readAllBytes(aidreams()));
        Path old = dir.resolve("opset10.onnx");
        Files.write(old, m.toBuilder().clearOpsetImport()
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(10)).build().toByteArray());
        expectRefusal(old, "int8", "operator set ai.onnx 10 is older than 11");
    }

    @Test
    void aGraphWithoutWeightMatricesIsRefused() throws IOException {
        Onnx.ModelProto m = Onnx.ModelProto.newBuilder().setIrVersion(8)
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setVersion(17))
                .setGraph(Onnx.GraphProto.newBuilder().setName("add")
                        .addNode(Onnx.NodeProto.newBuilder().setOpType("Add").addInput("x").addInput("b").addOutput("y"))
                        .addInitializer(Onnx.TensorProto.newBuilder().setName("b").setDataType(1).addDims(4)
                                .setRawData(com.google.protobuf.ByteString.copyFrom(new byte[16])))
                        .addInput(floatInput("x")).addOutput(floatInput("y")))
                .build();
        Path add = dir.resolve("add.onnx");
        Files.write(add, m.toByteArray());
        expectRefusal(add, "int4", "nothing to quantize");
    }

    @Test
    void anAlreadyQuantizedModelIsRefused() throws IOException {
        expectRefusal(BundledModels.extract(BundledModels.MINILM_L6_V2_INT8), "int8", "already quantized");
    }

    private static Onnx.ValueInfoProto floatInput(String name) {
        return Onnx.ValueInfoProto.newBuilder().setName(name).setType(Onnx.TypeProto.newBuilder()
                .setTensorType(Onnx.TypeProto.Tensor.newBuilder().setElemType(1))).build();
    }

    /** Exit 2, one line on stderr saying {@code message}, and no file written. */
    private void expectRefusal(Path input, String type, String message) throws IOException {
        Path outDir = Files.createTempDirectory(dir, "out");
        var r = QuantizeCommandTest.run("quantize", input.toString(), "-o", outDir.resolve("q.onnx").toString(), "--type", type);
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(2);
        assertThat(r.err()).contains(message);
        assertThat(r.err().strip().lines()).hasSize(1);
        try (Stream<Path> files = Files.list(outDir)) {
            assertThat(files).isEmpty();
        }
    }
}
