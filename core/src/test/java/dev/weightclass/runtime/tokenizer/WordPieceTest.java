package dev.weightclass.runtime.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** GGUF-style WordPiece: word starts carry U+2581, continuations are bare. */
class WordPieceTest {

    static Tokenizer bert(Map<String, Object> extra, String... pieces) {
        List<Object> tokens = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]"));
        tokens.addAll(List.of(pieces));
        List<Object> types = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) types.add(i < 4 ? 3 : 1);
        Map<String, Object> md = new HashMap<>(extra);
        md.put("tokenizer.ggml.model", "bert");
        md.put("tokenizer.ggml.tokens", tokens);
        md.put("tokenizer.ggml.token_type", types);
        md.put("tokenizer.ggml.unknown_token_id", 1);
        md.put("tokenizer.ggml.cls_token_id", 2);
        md.put("tokenizer.ggml.seperator_token_id", 3);
        return Tokenizers.fromGgufMetadata(md, "test");
    }

    @Test
    void greedyLongestPiecesWithLowercaseAndAccentsStripped() {
        Tokenizer t = bert(Map.of(), "▁un", "▁unaff", "able", "▁fuhrer", "▁!", "▁.", "ed");
        Vocabulary v = t.vocabulary();
        assertThat(t.encode("Unaffable Führer!", false))
                .containsExactly(v.id("▁unaff"), v.id("able"), v.id("▁fuhrer"), v.id("▁!"));
        assertThat(t.encode("x.", true)).containsExactly(2, 1, v.id("▁."), 3);
    }

    @Test
    void aWordWithAnUncoverablePieceIsUnknown() {
        Tokenizer t = bert(Map.of(), "▁un", "▁a");
        assertThat(t.encode("unz a", false)).containsExactly(1, t.vocabulary().id("▁a"));
    }

    @Test
    void caseIsKeptWhenTheVocabularySaysSo() {
        Tokenizer t = bert(Map.of("tokenizer.ggml.normalizer.lowercase", false), "▁Ab", "▁ab");
        assertThat(t.encode("Ab ab", false)).containsExactly(t.vocabulary().id("▁Ab"), t.vocabulary().id("▁ab"));
    }

    @Test
    void chineseCharactersAndPunctuationAreWordsOfTheirOwn() {
        Tokenizer t = bert(Map.of(), "▁日", "▁本", "▁a", "▁,");
        Vocabulary v = t.vocabulary();
        assertThat(t.encode("a,日本", false)).containsExactly(v.id("▁a"), v.id("▁,"), v.id("▁日"), v.id("▁本"));
    }
}
