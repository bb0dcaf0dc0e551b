package dev.weightclass.format.safetensors;

import dev.weightclass.SharedData;
import dev.weightclass.format.Hyperparameters;
import dev.weightclass.format.ModelFile;
import dev.weightclass.format.ModelFormat;
import dev.weightclass.size.ModelInspection;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorRole;
import dev.weightclass.tensor.TensorType;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class SafetensorsReaderTest {

    @Test
    void aidreamsFolderOpensWithItsConfig() throws IOException {
        Path dir = SharedData.data("aidreams260K/hf");
        try (ModelFile m = ModelFile.open(dir)) {
            assertThat(m.format()).isEqualTo(ModelFormat.SAFETENSORS);
            assertThat(m.path().getFileName().toString()).isEqualTo("model.safetensors");
            ModelInspection info = ModelInspection.of(m);
            assertThat(info.parameters()).isEqualTo(230_976);
            assertThat(info.sizeClass()).isEqualTo("231K");
            Hyperparameters h = m.hyperparameters();
            assertThat(h).isEqualTo(new Hyperparameters("llama", 4, 64, 4, 4, 16, 172, 512, 128, true));
            assertThat(m.tensors()).hasSize(38).allMatch(t -> t.type() == TensorType.F32);
            assertThat(m.tensor("lm_head.weight")).isEmpty();
            assertThat(m.metadata()).containsEntry("format", "pt");
            TensorInfo q = m.tensor("model.layers.2.self_attn.q_proj.weight").orElseThrow();
            assertThat(q.shape()).containsExactly(64, 64);
            assertThat(q.role()).isEqualTo(TensorRole.ATTENTION);
            assertThat(q.layer()).isEqualTo(2);
            assertThat(info.parametersByLayer()).hasSize(4);
        }
    }

    @Test
    void dataSlicesAreTheTensorsBytes() throws IOException {
        Path file = SharedData.data("aidreams260K/hf/model.safetensors");
        try (ModelFile m = ModelFile.open(file)) {
            long total = 0;
            TensorInfo prev = null;
            for (TensorInfo t : m.tensors()) {
                assertThat(m.data(t).byteSize()).isEqualTo(t.byteSize()).isEqualTo(t.elements() * 4);
                if (prev != null) assertThat(t.offset()).isEqualTo(prev.offset() + prev.byteSize());
                total += t.byteSize();
                prev = t;
            }
            // header length + JSON + data buffer make up the file exactly
            SafetensorsHeader h = ((SafetensorsFile) m).headers().getFirst();
            assertThat(h.dataStart() + total).isEqualTo(m.fileBytes());
        }
    }

    @Test
    void tokenizerJsonBesideTheModelIsReported(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path src = SharedData.data("aidreams260K/hf/model.safetensors");
        java.nio.file.Files.copy(src, dir.resolve("model.safetensors"));
        java.nio.file.Files.writeString(dir.resolve("tokenizer.json"), """
                {"version": "1.0", "added_tokens": [{"id": 0, "content": "<unk>"}, {"id": 3, "content": "<extra>"}],
                 "model": {"type": "BPE", "vocab": {"<unk>": 0, "a": 1, "b": 2}, "merges": ["a b"]}}""");
        try (ModelFile m = ModelFile.open(dir)) {
            assertThat(m.tokenizer()).hasValueSatisfying(t -> {
                assertThat(t.vocabSize()).isEqualTo(4);
                assertThat(t.merges()).isEqualTo(1);
            });
            // without config.json the shapes still give width, vocabulary, layers, FFN width and tying
            Hyperparameters h = m.hyperparameters();
            assertThat(h).isEqualTo(new Hyperparameters("unknown", 4, 64, 0, 0, 0, 172, 512, 0, true));
        }
    }

    @Test
    void loraAdapterHas72F32Tensors() throws IOException {
        Path file = SharedData.data("lora-gpt2-tigrinya/adapter_model.safetensors");
        try (ModelFile m = ModelFile.open(file)) {
            assertThat(m.tensors()).hasSize(72).allMatch(t -> t.type() == TensorType.F32);
            assertThat(ModelInspection.of(m).parameters()).isEqualTo(811_008);
            assertThat(m.tensors().stream().filter(t -> t.name().contains("lora_A"))).hasSize(36)
                    .allMatch(t -> t.dim(0) == 8);
            assertThat(m.hyperparameters().layers()).isEqualTo(12);
            // adapter_config.json beside it: r=8, alpha 32, GPT-2 Conv1D layout
            assertThat(m.hyperparameters().architecture()).isEqualTo("lora");
            assertThat(m.metadata()).containsEntry("adapter.type", "LORA").containsEntry("adapter.r", 8L)
                    .containsEntry("adapter.lora_alpha", 32L).containsEntry("adapter.base_model", "gpt2")
                    .containsEntry("adapter.fan_in_fan_out", true)
                    .containsEntry("adapter.target_modules", java.util.List.of("c_attn", "c_proj"));
        }
    }
}
