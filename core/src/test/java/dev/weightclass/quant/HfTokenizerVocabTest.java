package dev.weightclass.quant;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weightclass.SharedData;
import dev.weightclass.format.gguf.GgufFile;
import dev.weightclass.format.gguf.GgufValue;
import dev.weightclass.runtime.tokenizer.LlamaCppVocabTest;
import dev.weightclass.runtime.tokenizer.Tokenizer;
import dev.weightclass.runtime.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A {@code tokenizer.json} beside Hugging Face weights becomes GGUF tokenizer keys that tokenize
 * like the original. The tokenizer.json files are written here from real llama.cpp vocabularies
 * the way Hugging Face lays them out (SentencePiece models: pieces as BPE vocab with byte
 * fallback and merges ordered by the merged piece's score, as transformers' converter makes them;
 * GPT-2: vocab, merges and byte-level pre-tokenizer); the converted keys must then give llama.cpp's
 * reference ids on its test strings.
 */
class HfTokenizerVocabTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Map<String, GgufValue> kv(Path gguf) throws IOException {
        try (GgufFile g = GgufFile.open(gguf)) {
            return new LinkedHashMap<>(g.kv());
        }
    }

    private static Tokenizer tokenizer(Map<String, GgufValue> kv) {
        Map<String, Object> md = new HashMap<>();
        kv.forEach((k, v) -> md.put(k, v.plain()));
        return Tokenizers.fromGgufMetadata(md, "converted");
    }

    /** A Llama-style tokenizer.json (BPE, byte fallback) for a SentencePiece GGUF vocabulary. */
    static void writeLlamaTokenizerJson(Map<String, GgufValue> ref, Path dir) throws IOException {
        List<?> tokens = ref.get("tokenizer.ggml.tokens").asList();
        List<?> scores = ref.get("tokenizer.ggml.scores").asList();
        List<?> types = ref.get("tokenizer.ggml.token_type").asList();
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < tokens.size(); i++) ids.putIfAbsent((String) tokens.get(i), i);
        // every split of a normal piece into two pieces is a merge, ranked by the piece's score
        record Merge(String l, String r, float score, int lid, int rid) {}
        List<Merge> merges = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) {
            if (((Number) types.get(i)).intValue() != GgufVocab.NORMAL) continue;
            String t = (String) tokens.get(i);
            for (int k = t.offsetByCodePoints(0, 1); k < t.length(); k = t.offsetByCodePoints(k, 1)) {
                Integer l = ids.get(t.substring(0, k)), r = ids.get(t.substring(k));
                if (l != null && r != null) merges.add(new Merge(t.substring(0, k), t.substring(k),
                        ((Number) scores.get(i)).floatValue(), l, r));
            }
        }
        merges.sort(Comparator.comparingDouble((Merge m) -> -m.score()).thenComparingInt(Merge::lid).thenComparingInt(Merge::rid));
        ObjectNode root = JSON.createObjectNode();
        ArrayNode added = root.putArray("added_tokens");
        ObjectNode vocab = JSON.createObjectNode();
        for (int i = 0; i < tokens.size(); i++) {
            vocab.put((String) tokens.get(i), i);
            int type = ((Number) types.get(i)).intValue();
            if (type == GgufVocab.CONTROL || type == GgufVocab.UNKNOWN) {
                added.addObject().put("id", i).put("content", (String) tokens.get(i)).put("special", true);
            }
        }
        ObjectNode post = root.putObject("post_processor").put("type", "TemplateProcessing");
        post.putArray("single").add(special("<s>")).addObject().putObject("Sequence").put("id", "A");
        root.putObject("decoder").put("type", "Sequence");
        ObjectNode model = root.putObject("model").put("type", "BPE").put("byte_fallback", true).put("unk_token", "<unk>");
        model.set("vocab", vocab);
        ArrayNode m = model.putArray("merges");
        for (Merge x : merges) m.addArray().add(x.l()).add(x.r());
        JSON.writeValue(dir.resolve("tokenizer.json").toFile(), root);
        JSON.writeValue(dir.resolve("tokenizer_config.json").toFile(), JSON.createObjectNode()
                .put("add_bos_token", true).put("add_eos_token", false)
                .put("bos_token", "<s>").put("eos_token", "</s>").put("unk_token", "<unk>"));
    }

    private static ObjectNode special(String id) {
        ObjectNode n = JSON.createObjectNode();
        n.putObject("SpecialToken").put("id", id);
        return n;
    }

    private static void assertReferenceIds(Map<String, GgufValue> kv, Path refGguf) throws IOException {
        Tokenizer t = tokenizer(kv);
        List<LlamaCppVocabTest.Case> cases = LlamaCppVocabTest.cases(refGguf);
        for (LlamaCppVocabTest.Case c : cases) assertThat(t.encode(c.text(), false)).as(c.text()).isEqualTo(c.ids());
    }

    @Test
    void llamaTokenizerJsonTokenizesLikeLlamaSpm(@TempDir Path dir) throws IOException {
        Path ref = SharedData.data("llamacpp-vocab/ggml-vocab-llama-spm.gguf");
        Map<String, GgufValue> want = kv(ref);
        writeLlamaTokenizerJson(want, dir);
        List<String> warnings = new ArrayList<>();
        Map<String, GgufValue> got = HfTokenizerVocab.read(dir, want.get("tokenizer.ggml.tokens").size(), warnings::add);
        assertThat(warnings).isEmpty();
        assertThat(got.get("tokenizer.ggml.model").asString()).isEqualTo("llama");
        assertThat(got.get("tokenizer.ggml.tokens")).isEqualTo(want.get("tokenizer.ggml.tokens"));
        for (String k : List.of("bos_token_id", "eos_token_id", "unknown_token_id", "add_bos_token", "add_eos_token")) {
            assertThat(got.get("tokenizer.ggml." + k)).as(k).isEqualTo(want.get("tokenizer.ggml." + k));
        }
        assertReferenceIds(got, ref);
        assertThat(tokenizer(got).encode("Hello world")[0]).isEqualTo(1);
    }

    @Test
    void gpt2TokenizerJsonGivesTheGpt2Vocabulary(@TempDir Path dir) throws IOException {
        Path ref = SharedData.data("llamacpp-vocab/ggml-vocab-gpt-2.gguf");
        Map<String, GgufValue> want = kv(ref);
        List<?> tokens = want.get("tokenizer.ggml.tokens").asList();
        List<?> types = want.get("tokenizer.ggml.token_type").asList();
        ObjectNode root = JSON.createObjectNode();
        ArrayNode added = root.putArray("added_tokens");
        ObjectNode vocab = JSON.createObjectNode();
        for (int i = 0; i < tokens.size(); i++) {
            vocab.put((String) tokens.get(i), i);
            if (((Number) types.get(i)).intValue() == GgufVocab.CONTROL) {
                added.addObject().put("id", i).put("content", (String) tokens.get(i)).put("special", true);
            }
        }
        root.putObject("pre_tokenizer").put("type", "ByteLevel").put("add_prefix_space", false).put("use_regex", true);
        root.putObject("decoder").put("type", "ByteLevel");
        ObjectNode model = root.putObject("model").put("type", "BPE");
        model.set("vocab", vocab);
        ArrayNode merges = model.putArray("merges");
        for (Object m : want.get("tokenizer.ggml.merges").asList()) merges.add((String) m);
        JSON.writeValue(dir.resolve("tokenizer.json").toFile(), root);
        Files.writeString(dir.resolve("config.json"), "{\"bos_token_id\": 50256, \"eos_token_id\": 50256}");

        List<String> warnings = new ArrayList<>();
        Map<String, GgufValue> got = HfTokenizerVocab.read(dir, tokens.size(), warnings::add);
        assertThat(warnings).isEmpty();
        for (String k : List.of("model", "pre", "tokens", "token_type", "merges", "bos_token_id", "eos_token_id")) {
            assertThat(got.get("tokenizer.ggml." + k)).as(k).isEqualTo(want.get("tokenizer.ggml." + k));
        }
        assertReferenceIds(got, ref);
    }

    @Test
    @SuppressWarnings("unchecked")
    void vocabularyLargerThanTheFileIsPaddedAndUnknownKindsWarn(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), """
                {"model": {"type": "BPE", "byte_fallback": true, "vocab": {"<unk>": 0, "a": 1, "b": 2, "ab": 3},
                 "merges": ["a b"]}}""");
        Map<String, GgufValue> kv = HfTokenizerVocab.read(dir, 6, s -> {});
        assertThat((List<Object>) kv.get("tokenizer.ggml.tokens").asList()).containsExactly("<unk>", "a", "b", "ab", "[PAD4]", "[PAD5]");
        assertThat((List<Object>) kv.get("tokenizer.ggml.token_type").asList()).containsExactly(1, 1, 1, 1, 5, 5);
        assertThat((List<Object>) kv.get("tokenizer.ggml.scores").asList()).containsExactly(0f, 0f, 0f, -1f, -1000f, -1000f);
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> HfTokenizerVocab.read(dir, 3, s -> {})))
                .hasMessageContaining("model.vocab['ab'] is 3, not a token id below 3");

        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"Unigram\", \"vocab\": []}}");
        List<String> warnings = new ArrayList<>();
        assertThat(HfTokenizerVocab.read(dir, 6, warnings::add)).isNull();
        assertThat(warnings).singleElement().asString().contains("Unigram tokenizer is not converted");
    }

    /** aidreams260K's safetensors with a tokenizer.json made from its GGUF vocabulary: quantize carries it over. */
    @Test
    void quantizedSafetensorsTokenizesLikeTheReferenceGguf(@TempDir Path dir) throws IOException {
        Path golden = SharedData.data("aidreams260K/aidreams260K-f32.gguf");
        Path hf = SharedData.data("aidreams260K/hf");
        Path model = Files.createDirectory(dir.resolve("model"));
        Files.createSymbolicLink(model.resolve("model.safetensors"), hf.resolve("model.safetensors").toAbsolutePath());
        Files.createSymbolicLink(model.resolve("config.json"), hf.resolve("config.json").toAbsolutePath());
        writeLlamaTokenizerJson(kv(golden), model);
        Path out = dir.resolve("out.gguf");
        List<String> warnings = new ArrayList<>();
        try (QuantSource src = QuantSource.open(model, null, warnings::add)) {
            GgufQuantizer.quantize(src, out, Map.of(), 0, 1, null, false);
        }
        assertThat(warnings).isEmpty();
        Tokenizer want = Tokenizers.forModel(golden);
        Tokenizer got = Tokenizers.forModel(out);
        for (String line : Files.readAllLines(SharedData.data("aidreams260K/aidreams260K_teacher_samples.txt"))) {
            assertThat(got.encode(line)).as(line).isEqualTo(want.encode(line));
        }
        assertThat(got.encode(Files.readString(SharedData.data("text/alice.txt")).substring(0, 5000)))
                .isEqualTo(want.encode(Files.readString(SharedData.data("text/alice.txt")).substring(0, 5000)));
    }
}
