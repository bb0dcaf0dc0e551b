package dev.weightclass.runtime.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Special tokens inside text: user-defined ones always match, control ones only on request. */
class SpecialTokensTest {

    private static Vocabulary vocab() {
        String[] tokens = {"<unk>", "<ctl>", "<user>", "<user>x", "a", "b"};
        TokenType[] types = {TokenType.UNKNOWN, TokenType.CONTROL, TokenType.USER_DEFINED,
                TokenType.USER_DEFINED, TokenType.NORMAL, TokenType.NORMAL};
        return new Vocabulary(tokens, new float[tokens.length], types);
    }

    private static List<Object> pieces(String text, Vocabulary v, boolean parseSpecial) {
        return Fragments.split(text, v, parseSpecial).stream()
                .map(f -> f.isToken() ? (Object) f.token() : text.substring(f.start(), f.end())).toList();
    }

    @Test
    void userDefinedTokensSplitLongestFirst() {
        Vocabulary v = vocab();
        assertThat(pieces("a<user>xb<user> <ctl>", v, false)).containsExactly("a", 3, "b", 2, " <ctl>");
    }

    @Test
    void controlTokensSplitOnlyWithParseSpecial() {
        Vocabulary v = vocab();
        assertThat(pieces("a<ctl>b", v, true)).containsExactly("a", 1, "b");
        assertThat(pieces("<unk>", v, true)).containsExactly(0);
        assertThat(pieces("<unk>", v, false)).containsExactly("<unk>");
    }

    @Test
    void stripFlagsSwallowWhitespaceBesideTheToken() {
        Vocabulary v = vocab();
        v.rstrip.set(2);
        v.lstrip.set(2);
        assertThat(pieces("a  <user> \n b", v, false)).containsExactly("a", 2, "b");
        assertThat(pieces("   <user>   ", v, false)).containsExactly(2);
    }

    @Test
    void emptyTextHasNoFragments() {
        assertThat(Fragments.split("", vocab(), true)).isEmpty();
    }
}
