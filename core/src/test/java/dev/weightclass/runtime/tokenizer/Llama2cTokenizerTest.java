package dev.weightclass.runtime.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weightclass.SharedData;
import dev.weightclass.WeightclassException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** aidreams260K's llama2.c tokenizer.bin against the vocabulary inside its GGUF. */
class Llama2cTokenizerTest {

    @Test
    void tokenizerBinAndGgufVocabGiveTheSameIds() throws Exception {
        Path dir = SharedData.data("aidreams260K");
        Tokenizer bin = Tokenizers.fromLlama2c(dir.resolve("tok512.bin"), 512);
        Tokenizer gguf = Tokenizers.forModel(dir.resolve("aidreams260K-f32.gguf"));
        JsonNode samples = new ObjectMapper().readTree(dir.resolve("aidreams260K_teacher_samples.json").toFile());
        assertThat(samples.size()).isEqualTo(60);
        int canonical = 0;
        for (JsonNode s : samples) {
            String text = s.get("text").asText();
            int[] sampled = new int[s.get("ids").size()];
            for (int i = 0; i < sampled.length; i++) sampled[i] = s.get("ids").get(i).asInt();
            int[] a = bin.encode(text), b = gguf.encode(text);
            assertThat(a).isEqualTo(b);
            assertThat(a[0]).isEqualTo(1);
            // the sample ids (BOS first) were drawn by the model, not by the tokenizer, so only
            // their text must match; many are also the canonical tokenization
            assertThat(sampled[0]).isEqualTo(1);
            assertThat(gguf.decode(sampled)).isEqualTo(text);
            assertThat(bin.decode(sampled)).isEqualTo(text);
            if (Arrays.equals(a, sampled)) canonical++;
        }
        assertThat(canonical).isGreaterThan(0);
    }

    @Test
    void truncatedFileIsAClearError(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("tokenizer.bin");
        Files.write(f, new byte[] {10, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 'a'});
        assertThatThrownBy(() -> Tokenizers.fromLlama2c(f, 3))
                .isInstanceOf(WeightclassException.class).hasMessageContaining("token 0").hasMessageContaining("byte 8");
    }
}
