package dev.weightclass.runtime.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Byte-level BPE on a vocabulary of the 256 byte characters plus a few merges. */
class ByteLevelBpeTest {

    static Tokenizer bpe(String pre, String... merges) {
        List<Object> tokens = new ArrayList<>();
        for (int b = 0; b < 256; b++) tokens.add(String.valueOf(ByteLevelBpe.BYTE_TO_CHAR[b]));
        for (String m : merges) tokens.add(m.replace(" ", ""));
        tokens.add("<|endoftext|>");
        List<Object> types = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) types.add(i == tokens.size() - 1 ? 3 : 1);
        Map<String, Object> md = new HashMap<>();
        md.put("tokenizer.ggml.model", "gpt2");
        md.put("tokenizer.ggml.pre", pre);
        md.put("tokenizer.ggml.tokens", tokens);
        md.put("tokenizer.ggml.token_type", types);
        md.put("tokenizer.ggml.merges", List.of(merges));
        md.put("tokenizer.ggml.bos_token_id", tokens.size() - 1);
        md.put("tokenizer.ggml.eos_token_id", tokens.size() - 1);
        return Tokenizers.fromGgufMetadata(md, "test");
    }

    static int id(Tokenizer t, String piece) {
        return t.vocabulary().id(piece);
    }

    @Test
    void spacesBecomeGAndMergesApplyByRank() {
        Tokenizer t = bpe("gpt-2", "Ġ w", "o r", "Ġw or", "l d", "h e", "he l");
        assertThat(t.encode("hel world", false))
                .containsExactly(id(t, "hel"), id(t, "Ġwor"), id(t, "ld"));
    }

    @Test
    void lowerRankWinsOverPosition() {
        // "abc": (b c) has rank 0, so it merges before (a b)
        Tokenizer t = bpe("gpt-2", "b c", "a b");
        assertThat(t.encode("abc", false)).containsExactly(id(t, "a"), id(t, "bc"));
    }

    @Test
    void wordsNeverMergeAcrossPreTokenizerBoundaries() {
        Tokenizer t = bpe("gpt-2", "a Ġ", "Ġ b");
        // "a b" splits into "a" and " b"; the merge "a Ġ" cannot apply
        assertThat(t.encode("a b", false)).containsExactly(id(t, "a"), id(t, "Ġb"));
    }

    @Test
    void bytesRoundTripIncludingInvalidUtf8FreeText() {
        Tokenizer t = bpe("gpt-2", "Ġ w");
        for (String s : new String[] {"héllo wörld 🦙\n\t  x", "", " ", "a\r\nb"}) {
            assertThat(t.decode(t.encode(s, false))).isEqualTo(s);
        }
    }

    @Test
    void bosFollowsTheVocabularyFlags() {
        Tokenizer gpt2 = bpe("gpt-2");
        assertThat(gpt2.addsBos()).isFalse();
        assertThat(gpt2.encode("a")).containsExactly(id(gpt2, "a"));
        Tokenizer llama3 = bpe("llama-bpe");
        assertThat(llama3.addsBos()).isTrue();
        assertThat(llama3.encode("a")).containsExactly(llama3.bos(), id(llama3, "a"));
    }

    @Test
    void unknownPreTokenizerIsAClearError() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> bpe("no-such-pre"))
                .isInstanceOf(dev.weightclass.WeightclassException.class)
                .hasMessageContaining("no-such-pre").hasMessageContaining("qwen2");
    }
}
