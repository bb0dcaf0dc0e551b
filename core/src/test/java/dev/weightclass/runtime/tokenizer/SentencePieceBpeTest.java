package dev.weightclass.runtime.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** SentencePiece BPE on a vocabulary small enough to follow by hand. */
class SentencePieceBpeTest {

    /** <unk> <s> </s>, 256 byte tokens, then pieces with descending scores in the order given. */
    static Tokenizer spm(String... pieces) {
        List<Object> tokens = new ArrayList<>(List.of("<unk>", "<s>", "</s>"));
        List<Object> scores = new ArrayList<>(List.of(0f, 0f, 0f));
        List<Object> types = new ArrayList<>(List.of(2, 3, 3));
        for (int b = 0; b < 256; b++) {
            tokens.add(String.format("<0x%02X>", b));
            scores.add(0f);
            types.add(6);
        }
        for (int i = 0; i < pieces.length; i++) {
            tokens.add(pieces[i]);
            scores.add((float) -i);
            types.add(1);
        }
        Map<String, Object> md = new HashMap<>();
        md.put("tokenizer.ggml.model", "llama");
        md.put("tokenizer.ggml.tokens", tokens);
        md.put("tokenizer.ggml.scores", scores);
        md.put("tokenizer.ggml.token_type", types);
        return Tokenizers.fromGgufMetadata(md, "test");
    }

    static int id(Tokenizer t, String piece) {
        return t.vocabulary().id(piece);
    }

    @Test
    void mergesHighestScoringPairFirstAndAddsSpacePrefix() {
        // "▁a" outranks "ab": in "▁ab" the space joins 'a' before 'a' can join 'b'
        Tokenizer t = spm("▁a", "ab", "▁", "a", "b");
        assertThat(t.encode("ab", false)).containsExactly(id(t, "▁a"), id(t, "b"));
        Tokenizer u = spm("ab", "▁a", "▁", "a", "b");
        assertThat(u.encode("ab", false)).containsExactly(id(u, "▁"), id(u, "ab"));
    }

    @Test
    void equalScoresMergeLeftmostFirst() {
        Tokenizer t = spm("a", "aa");
        // "▁aaa": '▁' is no token; pairs (a,a) at 1 and 2 tie, the left one wins
        int[] ids = t.encode("aaa", false);
        assertThat(ids).containsExactly(0xE2 + 3, 0x96 + 3, 0x81 + 3, id(t, "aa"), id(t, "a"));
    }

    @Test
    void unknownCharactersFallBackToUtf8ByteTokens() {
        Tokenizer t = spm("▁", "h", "i");
        int[] ids = t.encode("hé", false);
        assertThat(ids).containsExactly(id(t, "▁"), id(t, "h"), 0xC3 + 3, 0xA9 + 3);
        assertThat(t.decode(ids)).isEqualTo("hé");
    }

    @Test
    void bosOnlyWhenAskedAndDecodeDropsThePrefixSpace() {
        Tokenizer t = spm("▁hi", "hi", "▁", "h", "i");
        assertThat(t.addsBos()).isTrue();
        assertThat(t.encode("hi")).containsExactly(1, id(t, "▁hi"));
        assertThat(t.encode("hi", false)).containsExactly(id(t, "▁hi"));
        assertThat(t.encode("", false)).isEmpty();
        assertThat(t.encode("", true)).containsExactly(1);
        assertThat(t.decode(t.encode(" hi  hi\n", true))).isEqualTo(" hi  hi\n");
    }

    @Test
    void controlTokenTextIsPlainTextAndDecodesToNothing() {
        Tokenizer t = spm("▁", "<", "s", ">");
        int[] ids = t.encode("<s>", false);
        assertThat(ids).doesNotContain(1);
        assertThat(t.decode(new int[] {1, id(t, "s")})).isEqualTo("s");
    }
}
