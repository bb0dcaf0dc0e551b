package dev.weightclass.format.onnx;

import com.google.protobuf.ByteString;
import dev.weightclass.SharedData;
import dev.weightclass.cli.Main;
import dev.weightclass.format.FormatException;
import dev.weightclass.format.ModelFile;
import dev.weightclass.format.onnx.proto.Onnx;
import dev.weightclass.size.ModelInspection;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Small ONNX files built in the test: external data, typed fields, and broken files. */
class OnnxCraftedTest {
    @TempDir
    Path dir;

    static Onnx.StringStringEntryProto entry(String k, String v) {
        return Onnx.StringStringEntryProto.newBuilder().setKey(k).setValue(v).build();
    }

    static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putFloat(f);
        return b.array();
    }

    static Onnx.TensorProto.Builder external(String name, long rows, long cols, String location, long offset, Long length) {
        Onnx.TensorProto.Builder t = Onnx.TensorProto.newBuilder().setName(name).setDataType(OnnxTypes.FLOAT)
                .addDims(rows).addDims(cols).setDataLocation(Onnx.TensorProto.DataLocation.EXTERNAL)
                .addExternalData(entry("location", location)).addExternalData(entry("offset", String.valueOf(offset)));
        if (length != null) t.addExternalData(entry("length", String.valueOf(length)));
        return t;
    }

    /** y = (x @ w1) @ w2 + b, with w1 and w2 in an external file, b as float_data, a shape as int64_data. */
    static Onnx.ModelProto model(Onnx.TensorProto... inits) {
        Onnx.GraphProto.Builder g = Onnx.GraphProto.newBuilder().setName("g")
                .addNode(Onnx.NodeProto.newBuilder().setOpType("MatMul").addInput("x").addInput("w1").addOutput("h"))
                .addNode(Onnx.NodeProto.newBuilder().setOpType("MatMul").addInput("h").addInput("w2").addOutput("h2"))
                .addNode(Onnx.NodeProto.newBuilder().setOpType("Add").addInput("h2").addInput("b").addOutput("y"))
                .addInput(Onnx.ValueInfoProto.newBuilder().setName("x"))
                .addOutput(Onnx.ValueInfoProto.newBuilder().setName("y"));
        for (Onnx.TensorProto t : inits) g.addInitializer(t);
        return Onnx.ModelProto.newBuilder().setIrVersion(9).setProducerName("test")
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setVersion(17)).setGraph(g).build();
    }

    Path write(String name, Onnx.ModelProto m) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, m.toByteArray());
        return p;
    }

    @Test
    void externalDataAndTypedFieldsOpenWithTheRightBytes() throws IOException {
        float[] w1 = {1, 2, 3, 4, 5, 6};            // [2, 3]
        float[] w2 = {0.5f, -1, 2, 7, -3, 0.25f};   // [3, 2]
        byte[] ext = new byte[200];
        System.arraycopy(floats(w1), 0, ext, 0, 24);
        System.arraycopy(floats(w2), 0, ext, 64, 24);
        Files.write(dir.resolve("weights.bin"), ext);
        Path p = write("model.onnx", model(
                external("w1", 2, 3, "weights.bin", 0, 24L).build(),
                external("w2", 3, 2, "weights.bin", 64, null).build(),
                Onnx.TensorProto.newBuilder().setName("b").setDataType(OnnxTypes.FLOAT).addDims(2)
                        .addFloatData(0.125f).addFloatData(-8f).build(),
                Onnx.TensorProto.newBuilder().setName("shape").setDataType(OnnxTypes.INT64).addDims(3)
                        .addInt64Data(1).addInt64Data(-1).addInt64Data(300).build(),
                Onnx.TensorProto.newBuilder().setName("zp").setDataType(OnnxTypes.INT8).addDims(2)
                        .addInt32Data(-3).addInt32Data(127).build()));
        try (ModelFile m = ModelFile.open(p)) {
            assertThat(m.files()).containsExactly(p, dir.resolve("weights.bin").toAbsolutePath().normalize());
            TensorInfo t1 = m.tensor("w1").orElseThrow(), t2 = m.tensor("w2").orElseThrow();
            assertThat(t1.fileIndex()).isEqualTo(1);
            assertThat(t1.offset()).isZero();
            assertThat(t2.offset()).isEqualTo(64);
            assertThat(t2.shape()).containsExactly(3, 2);
            assertThat(floatsOf(m, t1)).containsExactly(w1);
            assertThat(floatsOf(m, t2)).containsExactly(w2);
            TensorInfo b = m.tensor("b").orElseThrow();
            assertThat(b.fileIndex()).isZero();
            assertThat(floatsOf(m, b)).containsExactly(0.125f, -8f);
            assertThat(m.data(m.tensor("shape").orElseThrow())
                    .toArray(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN))).containsExactly(1, -1, 300);
            TensorInfo zp = m.tensor("zp").orElseThrow();
            assertThat(zp.type()).isEqualTo(TensorType.I8);
            assertThat(m.data(zp).toArray(ValueLayout.JAVA_BYTE)).containsExactly((byte) -3, (byte) 127);
            // Weights count, the int64 shape vector does not.
            assertThat(ModelInspection.of(m).parameters()).isEqualTo(6 + 6 + 2 + 2);
            assertThat(m.fileBytes()).isEqualTo(Files.size(p) + 200);
        }
    }

    private static float[] floatsOf(ModelFile m, TensorInfo t) {
        return m.data(t).toArray(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN));
    }

    static Onnx.AttributeProto intAttr(String name, long v) {
        return Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.INT).setI(v).build();
    }

    @Test
    void fourBitMatMulNBitsWeightsCountTheirLogicalElements() throws IOException {
        // B packs a [N=8, K=64] 4-bit matrix as uint8 [8, 2 blocks, 16 bytes]; 16 scales, 8 zero-point bytes.
        Onnx.GraphProto g = Onnx.GraphProto.newBuilder()
                .addNode(Onnx.NodeProto.newBuilder().setOpType("MatMulNBits").setDomain("com.microsoft")
                        .addInput("x").addInput("B").addInput("B_scales").addInput("B_zp").addOutput("y")
                        .addAttribute(intAttr("K", 64)).addAttribute(intAttr("N", 8))
                        .addAttribute(intAttr("bits", 4)).addAttribute(intAttr("block_size", 32)))
                .addInitializer(Onnx.TensorProto.newBuilder().setName("B").setDataType(OnnxTypes.UINT8)
                        .addDims(8).addDims(2).addDims(16).setRawData(ByteString.copyFrom(new byte[256])))
                .addInitializer(Onnx.TensorProto.newBuilder().setName("B_scales").setDataType(OnnxTypes.FLOAT)
                        .addDims(16).setRawData(ByteString.copyFrom(new byte[64])))
                .addInitializer(Onnx.TensorProto.newBuilder().setName("B_zp").setDataType(OnnxTypes.UINT8)
                        .addDims(8).setRawData(ByteString.copyFrom(new byte[8])))
                .addInput(Onnx.ValueInfoProto.newBuilder().setName("x"))
                .addOutput(Onnx.ValueInfoProto.newBuilder().setName("y")).build();
        Path p = write("m.onnx", Onnx.ModelProto.newBuilder().setIrVersion(9).setGraph(g).build());
        try (ModelFile m = ModelFile.open(p)) {
            TensorInfo b = m.tensor("B").orElseThrow();
            assertThat(b.shape()).containsExactly(8, 64);
            assertThat(b.type()).isEqualTo(TensorType.U4);
            assertThat(b.byteSize()).isEqualTo(256);
            assertThat(m.data(b).byteSize()).isEqualTo(256);
            assertThat(m.tensor("B_scales").orElseThrow().role()).isEqualTo(dev.weightclass.tensor.TensorRole.QUANT_PARAM);
            assertThat(m.tensor("B_zp").orElseThrow().role()).isEqualTo(dev.weightclass.tensor.TensorRole.QUANT_PARAM);
            assertThat(ModelInspection.of(m).parameters()).isEqualTo(8 * 64);
        }
    }

    static Onnx.TensorProto.Builder zeros(String name, long... dims) {
        long n = 1;
        for (long d : dims) n *= d;
        Onnx.TensorProto.Builder t = Onnx.TensorProto.newBuilder().setName(name).setDataType(OnnxTypes.FLOAT);
        for (long d : dims) t.addDims(d);
        // Distinct values so no two tensors look like copies of each other.
        ByteBuffer b = ByteBuffer.allocate((int) (4 * n)).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) b.putFloat(name.hashCode() * 1e-9f + i * 1e-3f);
        return t.setRawData(ByteString.copyFrom(b.array()));
    }

    static Onnx.NodeProto.Builder node(String op, String name, String out, String... in) {
        return Onnx.NodeProto.newBuilder().setOpType(op).setName(name).addOutput(out).addAllInput(Arrays.asList(in));
    }

    @Test
    void exporterNamedWeightsArePlacedByTheirNodesAndGroupedQueryAttentionIsSeen() throws IOException {
        // One llama block as torch exports it: weights named onnx::MatMul_N, meaning in node names.
        // width 16, 4 heads of 4, 2 KV heads, gated FFN of 32, vocabulary 50, untied classifier.
        String l = "/model/layers.0/";
        Onnx.GraphProto g = Onnx.GraphProto.newBuilder()
                .addNode(node("Gather", "/model/embed_tokens/Gather", "x0", "model.embed_tokens.weight", "input_ids"))
                .addNode(node("Mul", l + "input_layernorm/Mul", "x1", "x0", "model.layers.0.input_layernorm.weight"))
                .addNode(node("MatMul", l + "self_attn/q_proj/MatMul", "q", "x1", "onnx::MatMul_1"))
                .addNode(node("MatMul", l + "self_attn/k_proj/MatMul", "k", "x1", "onnx::MatMul_2"))
                .addNode(node("MatMul", l + "self_attn/v_proj/MatMul", "v", "x1", "onnx::MatMul_3"))
                .addNode(node("MatMul", l + "self_attn/MatMul", "s", "q", "k"))
                .addNode(node("Div", l + "self_attn/Div", "s2", "s", "/Constant_output_0"))
                .addNode(node("Softmax", l + "self_attn/Softmax", "p", "s2"))
                .addNode(node("MatMul", l + "self_attn/MatMul_1", "a", "p", "v"))
                .addNode(node("MatMul", l + "self_attn/o_proj/MatMul", "o", "a", "onnx::MatMul_4"))
                .addNode(node("MatMul", l + "mlp/gate_proj/MatMul", "g", "o", "onnx::MatMul_5"))
                .addNode(node("MatMul", l + "mlp/up_proj/MatMul", "u", "o", "onnx::MatMul_6"))
                .addNode(node("MatMul", l + "mlp/down_proj/MatMul", "d", "g", "onnx::MatMul_7"))
                .addNode(node("MatMul", "/lm_head/MatMul", "logits", "d", "onnx::MatMul_8"))
                .addNode(node("Constant", "/Constant", "/Constant_output_0").addAttribute(Onnx.AttributeProto.newBuilder()
                        .setName("value").setType(Onnx.AttributeProto.AttributeType.TENSOR)
                        .setT(Onnx.TensorProto.newBuilder().setDataType(OnnxTypes.FLOAT).addFloatData(2.0f))))
                .addInitializer(zeros("model.embed_tokens.weight", 50, 16))
                .addInitializer(zeros("model.layers.0.input_layernorm.weight", 16))
                .addInitializer(zeros("onnx::MatMul_1", 16, 16))
                .addInitializer(zeros("onnx::MatMul_2", 16, 8))
                .addInitializer(zeros("onnx::MatMul_3", 16, 8))
                .addInitializer(zeros("onnx::MatMul_4", 16, 16))
                .addInitializer(zeros("onnx::MatMul_5", 16, 32))
                .addInitializer(zeros("onnx::MatMul_6", 16, 32))
                .addInitializer(zeros("onnx::MatMul_7", 32, 16))
                .addInitializer(zeros("onnx::MatMul_8", 16, 50))
                .addInput(Onnx.ValueInfoProto.newBuilder().setName("input_ids"))
                .addOutput(Onnx.ValueInfoProto.newBuilder().setName("logits")).build();
        Path p = write("m.onnx", Onnx.ModelProto.newBuilder().setIrVersion(8).setGraph(g).build());
        try (ModelFile m = ModelFile.open(p)) {
            assertThat(m.hyperparameters()).isEqualTo(
                    new dev.weightclass.format.Hyperparameters("llama", 1, 16, 4, 2, 4, 32, 50, 0, false));
            assertThat(m.tensor("onnx::MatMul_2").orElseThrow().role()).isEqualTo(dev.weightclass.tensor.TensorRole.ATTENTION);
            assertThat(m.tensor("onnx::MatMul_2").orElseThrow().layer()).isZero();
            assertThat(m.tensor("onnx::MatMul_7").orElseThrow().role()).isEqualTo(dev.weightclass.tensor.TensorRole.FFN);
            assertThat(m.tensor("onnx::MatMul_8").orElseThrow().role()).isEqualTo(dev.weightclass.tensor.TensorRole.OUTPUT);
            assertThat(ModelInspection.of(m).parameters())
                    .isEqualTo(50 * 16 + 16 + 16 * 16 * 2 + 16 * 8 * 2 + 16 * 32 * 3 + 16 * 50);
        }
    }

    @Test
    void externalPathOutsideTheFolderIsRefused() throws IOException {
        Path inner = Files.createDirectories(dir.resolve("inner"));
        Files.write(dir.resolve("secret.bin"), new byte[64]);
        for (String location : new String[] {"../secret.bin", dir.resolve("secret.bin").toString()}) {
            Path p = inner.resolve("m.onnx");
            Files.write(p, model(external("w1", 2, 3, location, 0, 24L).build()).toByteArray());
            FormatException e = catchThrowableOfType(FormatException.class, () -> ModelFile.open(p));
            assertThat(e).as(location).isNotNull();
            assertThat(e.getMessage()).contains("m.onnx").contains("outside the model's folder");
            assertThat(e.field()).contains("w1").contains("external_data");
            assertThat(e.offset()).isPositive();
        }
    }

    @Test
    void externalRangePastTheEndIsRefused() throws IOException {
        Files.write(dir.resolve("weights.bin"), new byte[40]);
        Path p = write("m.onnx", model(external("w1", 2, 3, "weights.bin", 20, 24L).build()));
        assertThatThrownBy(() -> ModelFile.open(p)).isInstanceOf(FormatException.class)
                .hasMessageContaining("m.onnx").hasMessageContaining("w1")
                .hasMessageContaining("runs past the end of 'weights.bin' (40 bytes)");
        Path q = write("q.onnx", model(external("w1", 2, 3, "weights.bin", 0, 16L).build()));
        assertThatThrownBy(() -> ModelFile.open(q)).isInstanceOf(FormatException.class)
                .hasMessageContaining("length 16").hasMessageContaining("needs 24 bytes");
        Path r = write("r.onnx", model(external("w1", 2, 3, "missing.bin", 0, 24L).build()));
        assertThatThrownBy(() -> ModelFile.open(r)).isInstanceOf(FormatException.class).hasMessageContaining("not found");
    }

    @Test
    void unknownDataTypeNamesTensorAndOffset() throws IOException {
        Path p = write("m.onnx", model(Onnx.TensorProto.newBuilder().setName("w1").setDataType(99).addDims(2)
                .setRawData(ByteString.copyFrom(new byte[8])).build()));
        FormatException e = catchThrowableOfType(FormatException.class, () -> ModelFile.open(p));
        assertThat(e.getMessage()).contains("m.onnx").contains("'w1'").contains("unknown data_type 99");
        assertThat(e.field()).contains("data_type");
        assertThat(e.offset()).isPositive();
    }

    @Test
    void rawDataOfTheWrongSizeIsRefused() throws IOException {
        Path p = write("m.onnx", model(Onnx.TensorProto.newBuilder().setName("w1").setDataType(OnnxTypes.FLOAT)
                .addDims(2).addDims(3).setRawData(ByteString.copyFrom(new byte[20])).build()));
        assertThatThrownBy(() -> ModelFile.open(p)).isInstanceOf(FormatException.class)
                .hasMessageContaining("raw_data holds 20 bytes but FLOAT [2, 3] needs 24");
    }

    @Test
    void lengthPrefixPastTheEndIsRefused() throws IOException {
        byte[] ok = model(Onnx.TensorProto.newBuilder().setName("w1").setDataType(OnnxTypes.FLOAT).addDims(1)
                .setRawData(ByteString.copyFrom(floats(1f))).build()).toByteArray();
        // Another graph field (tag 0x3a) claiming 1000 bytes, with 10 present.
        byte[] bad = Arrays.copyOf(ok, ok.length + 13);
        bad[ok.length] = 0x3a;
        bad[ok.length + 1] = (byte) 0xe8;
        bad[ok.length + 2] = 0x07;
        Path p = dir.resolve("m.onnx");
        Files.write(p, bad);
        FormatException e = catchThrowableOfType(FormatException.class, () -> ModelFile.open(p));
        assertThat(e.getMessage()).contains("m.onnx").contains("length 1000 runs past the end of the file");
        assertThat(e.field()).isEqualTo("ModelProto.graph");
        assertThat(e.offset()).isEqualTo(ok.length + 1);
    }

    @Test
    void everyTruncationOfARealModelIsAFormatException() throws IOException {
        byte[] full = Files.readAllBytes(SharedData.data("aidreams260K/aidreams260K.onnx"));
        Path p = dir.resolve("cut.onnx");
        // Cuts inside the header, a node, an initializer's header and its raw_data, and the last byte.
        for (int len : new int[] {3, 40, 5_000, 10_950, 100_000, 600_000, full.length - 1}) {
            Files.write(p, Arrays.copyOf(full, len));
            FormatException e = catchThrowableOfType(FormatException.class, () -> ModelFile.open(p));
            assertThat(e).as("cut at " + len).isNotNull();
            assertThat(e.getMessage()).as("cut at " + len).startsWith(p.toString() + " at byte ");
            assertThat(e.offset()).isBetween(0L, (long) len);
        }
    }

    @Test
    void cliReportsBadInputOnOneLine() throws IOException {
        byte[] full = Files.readAllBytes(SharedData.data("aidreams260K/aidreams260K.onnx"));
        Path p = dir.resolve("cut.onnx");
        Files.write(p, Arrays.copyOf(full, 600_000));
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(new String[] {"inspect", p.toString()}, new PrintWriter(out), new PrintWriter(err));
        assertThat(code).isEqualTo(2);
        assertThat(out.toString()).isEmpty();
        assertThat(err.toString().lines().toList()).hasSize(1);
        assertThat(err.toString()).contains("cut.onnx at byte").doesNotContain("Exception");
    }
}
