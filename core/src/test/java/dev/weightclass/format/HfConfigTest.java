package dev.weightclass.format;

import dev.weightclass.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Published configs (values as on the Hugging Face hub) read into the normalized hyperparameters. */
class HfConfigTest {
    @TempDir
    Path dir;

    private HfConfig config(String json) throws IOException {
        Path p = dir.resolve("config.json");
        Files.writeString(p, json);
        return HfConfig.read(p);
    }

    @Test
    void llama2_7b() throws IOException {
        HfConfig c = config("""
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 4096,
                 "intermediate_size": 11008, "max_position_embeddings": 4096, "num_attention_heads": 32,
                 "num_hidden_layers": 32, "num_key_value_heads": 32, "rms_norm_eps": 1e-05,
                 "tie_word_embeddings": false, "torch_dtype": "float16", "vocab_size": 32000}""");
        assertThat(c.hyperparameters()).isEqualTo(new Hyperparameters("llama", 32, 4096, 32, 32, 128, 11008, 32000, 4096, false));
        assertThat(c.raw().get("torch_dtype").asText()).isEqualTo("float16");
    }

    @Test
    void mistral7bHasGroupedQueryAttention() throws IOException {
        HfConfig c = config("""
                {"architectures": ["MistralForCausalLM"], "model_type": "mistral", "hidden_size": 4096,
                 "intermediate_size": 14336, "max_position_embeddings": 32768, "num_attention_heads": 32,
                 "num_hidden_layers": 32, "num_key_value_heads": 8, "sliding_window": 4096,
                 "tie_word_embeddings": false, "vocab_size": 32000}""");
        assertThat(c.hyperparameters()).isEqualTo(new Hyperparameters("mistral", 32, 4096, 32, 8, 128, 14336, 32000, 32768, false));
    }

    @Test
    void qwen2_05b() throws IOException {
        HfConfig c = config("""
                {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": 896,
                 "intermediate_size": 4864, "max_position_embeddings": 131072, "max_window_layers": 24,
                 "num_attention_heads": 14, "num_hidden_layers": 24, "num_key_value_heads": 2,
                 "rope_theta": 1000000.0, "sliding_window": 131072, "tie_word_embeddings": true,
                 "vocab_size": 151936}""");
        assertThat(c.hyperparameters()).isEqualTo(new Hyperparameters("qwen2", 24, 896, 14, 2, 64, 4864, 151936, 131072, true));
    }

    @Test
    void gemma2bHasExplicitHeadDimAndTiesByDefault() throws IOException {
        HfConfig c = config("""
                {"architectures": ["GemmaForCausalLM"], "model_type": "gemma", "head_dim": 256,
                 "hidden_size": 2048, "intermediate_size": 16384, "max_position_embeddings": 8192,
                 "num_attention_heads": 8, "num_hidden_layers": 18, "num_key_value_heads": 1,
                 "vocab_size": 256000}""");
        assertThat(c.hyperparameters()).isEqualTo(new Hyperparameters("gemma", 18, 2048, 8, 1, 256, 16384, 256000, 8192, true));
    }

    @Test
    void gemma2_2b() throws IOException {
        HfConfig c = config("""
                {"model_type": "gemma2", "head_dim": 256, "hidden_size": 2304, "intermediate_size": 9216,
                 "max_position_embeddings": 8192, "num_attention_heads": 8, "num_hidden_layers": 26,
                 "num_key_value_heads": 4, "vocab_size": 256000}""");
        assertThat(c.hyperparameters()).isEqualTo(new Hyperparameters("gemma2", 26, 2304, 8, 4, 256, 9216, 256000, 8192, true));
    }

    @Test
    void phi2WithNullKvHeads() throws IOException {
        HfConfig c = config("""
                {"architectures": ["PhiForCausalLM"], "model_type": "phi", "hidden_size": 2560,
                 "intermediate_size": 10240, "max_position_embeddings": 2048, "num_attention_heads": 32,
                 "num_hidden_layers": 32, "num_key_value_heads": null, "partial_rotary_factor": 0.4,
                 "tie_word_embeddings": false, "vocab_size": 51200}""");
        assertThat(c.hyperparameters()).isEqualTo(new Hyperparameters("phi", 32, 2560, 32, 32, 80, 10240, 51200, 2048, false));
    }

    @Test
    void phi3Mini() throws IOException {
        HfConfig c = config("""
                {"model_type": "phi3", "hidden_size": 3072, "intermediate_size": 8192,
                 "max_position_embeddings": 4096, "num_attention_heads": 32, "num_hidden_layers": 32,
                 "num_key_value_heads": 32, "tie_word_embeddings": false, "vocab_size": 32064}""");
        assertThat(c.hyperparameters()).isEqualTo(new Hyperparameters("phi3", 32, 3072, 32, 32, 96, 8192, 32064, 4096, false));
    }

    @Test
    void gpt2UsesItsOwnKeysAndDefaults() throws IOException {
        HfConfig c = config("""
                {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "n_ctx": 1024, "n_embd": 768,
                 "n_head": 12, "n_layer": 12, "n_positions": 1024, "vocab_size": 50257}""");
        // n_inner absent: 4 x n_embd; GPT-2 ties its LM head unless told otherwise
        assertThat(c.hyperparameters()).isEqualTo(new Hyperparameters("gpt2", 12, 768, 12, 12, 64, 3072, 50257, 1024, true));
    }

    @Test
    void bertBaseUncased() throws IOException {
        HfConfig c = config("""
                {"architectures": ["BertForMaskedLM"], "model_type": "bert", "hidden_size": 768,
                 "intermediate_size": 3072, "max_position_embeddings": 512, "num_attention_heads": 12,
                 "num_hidden_layers": 12, "type_vocab_size": 2, "vocab_size": 30522}""");
        assertThat(c.hyperparameters()).isEqualTo(new Hyperparameters("bert", 12, 768, 12, 12, 64, 3072, 30522, 512, true));
    }

    @Test
    void distilbertBaseUncased() throws IOException {
        HfConfig c = config("""
                {"architectures": ["DistilBertForMaskedLM"], "model_type": "distilbert", "dim": 768,
                 "hidden_dim": 3072, "max_position_embeddings": 512, "n_heads": 12, "n_layers": 6,
                 "vocab_size": 30522}""");
        assertThat(c.hyperparameters()).isEqualTo(new Hyperparameters("distilbert", 6, 768, 12, 12, 64, 3072, 30522, 512, true));
    }

    @Test
    void t5SmallUsesItsOwnKeys() throws IOException {
        HfConfig c = config("""
                {"architectures": ["T5ForConditionalGeneration"], "model_type": "t5", "d_ff": 2048, "d_kv": 64,
                 "d_model": 512, "num_decoder_layers": 6, "num_heads": 8, "num_layers": 6, "vocab_size": 32128}""");
        assertThat(c.hyperparameters()).isEqualTo(new Hyperparameters("t5", 6, 512, 8, 8, 64, 2048, 32128, 0, true));
    }

    @Test
    void unknownArchitectureKeepsWhatItStates() throws IOException {
        HfConfig c = config("""
                {"model_type": "rwkv", "hidden_size": 768, "num_hidden_layers": 12, "vocab_size": 50277}""");
        assertThat(c.hyperparameters()).isEqualTo(new Hyperparameters("rwkv", 12, 768, 0, 0, 0, 0, 50277, 0, null));
        // a known architecture must state its shape
        assertThatThrownBy(() -> config("{\"model_type\": \"llama\", \"hidden_size\": 768}"))
                .isInstanceOf(FormatException.class).hasMessageContaining("(num_hidden_layers): missing required key");
    }

    @Test
    void multimodalWrapperUsesTextConfig() throws IOException {
        HfConfig c = config("""
                {"model_type": "llava", "text_config": {"model_type": "llama", "hidden_size": 4096,
                 "num_hidden_layers": 32, "num_attention_heads": 32, "vocab_size": 32064,
                 "intermediate_size": 11008, "max_position_embeddings": 4096}}""");
        assertThat(c.hyperparameters()).isEqualTo(new Hyperparameters("llama", 32, 4096, 32, 32, 128, 11008, 32064, 4096, false));
    }

    @Test
    void realAidreamsConfig() throws IOException {
        HfConfig c = HfConfig.read(SharedData.data("aidreams260K/hf/config.json"));
        assertThat(c.hyperparameters()).isEqualTo(new Hyperparameters("llama", 4, 64, 4, 4, 16, 172, 512, 128, true));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            zero heads           | "num_attention_heads": 0             | num_attention_heads | at least 1
            negative vocab       | "vocab_size": -5                     | vocab_size          | at least 1
            missing width        | "hidden_size": null                  | hidden_size         | missing required key
            string layers        | "num_hidden_layers": "32"            | num_hidden_layers   | must be an integer
            fractional layers    | "num_hidden_layers": 3.5             | num_hidden_layers   | must be an integer
            huge vocab           | "vocab_size": 99999999999            | vocab_size          | out of range
            heads do not divide  | "num_attention_heads": 7             | num_attention_heads | do not divide
            kv do not divide     | "num_key_value_heads": 3             | num_key_value_heads | do not divide
            tie not boolean      | "tie_word_embeddings": "yes"         | tie_word_embeddings | true or false
            """)
    void badValuesNameFileAndKey(String label, String override, String key, String problem) throws IOException {
        String json = """
                {"model_type": "llama", "hidden_size": 4096, "num_hidden_layers": 32, "num_attention_heads": 32,
                 "num_key_value_heads": 8, "vocab_size": 32000, "intermediate_size": 11008, "tie_word_embeddings": false,
                 %s}""".formatted(override);
        // later duplicate keys are rejected, so replace the original entry instead of appending
        String k = override.substring(0, override.indexOf(':'));
        json = json.replaceFirst(java.util.regex.Pattern.quote(k) + ": [^,}]+,", "");
        String j = json;
        assertThatThrownBy(() -> config(j)).isInstanceOf(FormatException.class)
                .hasMessageContaining("config.json").hasMessageContaining("(" + key + ")").hasMessageContaining(problem);
    }

    @Test
    void invalidJsonAndDuplicateKeysAreRejectedWithOffset() {
        assertThatThrownBy(() -> config("{\"hidden_size\": 64,, }")).isInstanceOf(FormatException.class)
                .hasMessageContaining("config.json at byte 19").hasMessageContaining("invalid JSON");
        assertThatThrownBy(() -> config("{\"vocab_size\": 1, \"vocab_size\": 2}")).isInstanceOf(FormatException.class)
                .hasMessageContaining("Duplicate field 'vocab_size'");
        assertThatThrownBy(() -> config("[1, 2]")).isInstanceOf(FormatException.class)
                .hasMessageContaining("JSON object");
    }
}
