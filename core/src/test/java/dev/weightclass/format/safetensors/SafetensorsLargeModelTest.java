package dev.weightclass.format.safetensors;

import dev.weightclass.format.ModelFile;
import dev.weightclass.tensor.SizeClass;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Llama-2-7B-shaped F16 file (13.5 GB, sparse: only its header is written) opens from its header
 * alone, beyond the 2 GB a Java array or ByteBuffer can address.
 */
class SafetensorsLargeModelTest {
    @TempDir
    Path dir;

    @Test
    void llama2_7bShapedFileFromItsHeader() throws IOException {
        List<SafetensorsWriter.Tensor> ts = new ArrayList<>();
        SafetensorsWriter.TensorData none = out -> { throw new IllegalStateException("header only"); };
        ts.add(new SafetensorsWriter.Tensor("model.embed_tokens.weight", TensorType.F16, new long[] {32000, 4096}, none));
        ts.add(new SafetensorsWriter.Tensor("lm_head.weight", TensorType.F16, new long[] {32000, 4096}, none));
        ts.add(new SafetensorsWriter.Tensor("model.norm.weight", TensorType.F16, new long[] {4096}, none));
        for (int l = 0; l < 32; l++) {
            String p = "model.layers." + l + ".";
            for (String w : new String[] {"q_proj", "k_proj", "v_proj", "o_proj"}) {
                ts.add(new SafetensorsWriter.Tensor(p + "self_attn." + w + ".weight", TensorType.F16, new long[] {4096, 4096}, none));
            }
            ts.add(new SafetensorsWriter.Tensor(p + "mlp.gate_proj.weight", TensorType.F16, new long[] {11008, 4096}, none));
            ts.add(new SafetensorsWriter.Tensor(p + "mlp.up_proj.weight", TensorType.F16, new long[] {11008, 4096}, none));
            ts.add(new SafetensorsWriter.Tensor(p + "mlp.down_proj.weight", TensorType.F16, new long[] {4096, 11008}, none));
            ts.add(new SafetensorsWriter.Tensor(p + "input_layernorm.weight", TensorType.F16, new long[] {4096}, none));
            ts.add(new SafetensorsWriter.Tensor(p + "post_attention_layernorm.weight", TensorType.F16, new long[] {4096}, none));
        }
        List<SafetensorsWriter.Tensor> ordered = SafetensorsWriter.ordered(ts);
        byte[] header = SafetensorsWriter.header(ordered, Map.of("format", "pt"));
        long data = ordered.stream().mapToLong(SafetensorsWriter.Tensor::byteSize).sum();
        Path file = dir.resolve("model.safetensors");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
            raf.write(header);
            raf.setLength(8 + header.length + data);
        }
        Files.writeString(dir.resolve("config.json"), """
                {"model_type": "llama", "hidden_size": 4096, "intermediate_size": 11008, "num_attention_heads": 32,
                 "num_hidden_layers": 32, "num_key_value_heads": 32, "vocab_size": 32000,
                 "max_position_embeddings": 4096, "tie_word_embeddings": false}""");
        try (ModelFile m = ModelFile.open(dir)) {
            // (not ModelInspection: its duplicate search would compare the all-zero sparse tensors in full)
            long parameters = m.tensors().stream().mapToLong(TensorInfo::parameters).sum();
            assertThat(parameters).isEqualTo(6_738_415_616L);
            assertThat(SizeClass.label(parameters)).isEqualTo("6.7B");
            assertThat(m.tensors()).hasSize(291);
            assertThat(m.hyperparameters().tiedEmbeddings()).isFalse();
            TensorInfo last = m.tensors().getLast();
            assertThat(last.offset() + last.byteSize()).isEqualTo(m.fileBytes()).isGreaterThan(1L << 33);
            assertThat(m.data(last).byteSize()).isEqualTo(last.byteSize());
        }
    }
}
