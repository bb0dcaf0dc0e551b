package dev.weightclass.runtime.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hand-written GPT-2 and LLaMA-3 scanners against the same regexes run by java.util.regex
 * with full Unicode classes (what Python's regex and Rust's fancy-regex do), on random text.
 */
class PreTokenizerTest {

    /** \s as Unicode White_Space, \p{L} and \p{N} as general categories. */
    private static Pattern unicode(String regex) {
        return Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS);
    }

    private static List<String> byRegex(Pattern p, String text) {
        List<String> out = new ArrayList<>();
        Matcher m = p.matcher(text);
        int prev = 0;
        while (m.find()) {
            if (m.start() > prev) out.add(text.substring(prev, m.start()));
            if (m.end() > m.start()) out.add(m.group());
            prev = m.end();
        }
        if (prev < text.length()) out.add(text.substring(prev));
        return out;
    }

    private static final String[] POOL = {"a", "B", "z", "é", "ж", "日", " ", " ", "  ", "\n", "\r", "\t", "'",
            "s", "t", "re", "LL", "D", "1", "23", "٣", "!", ".", ",", "?", "🦙", "\u00A0", "\u3000", "-", "$", "~"};

    private static String randomText(Random r) {
        StringBuilder sb = new StringBuilder();
        int n = r.nextInt(14);
        for (int i = 0; i < n; i++) sb.append(POOL[r.nextInt(POOL.length)]);
        return sb.toString();
    }

    @Test
    void gpt2ScannerMatchesTheRegex() {
        Pattern p = unicode(PreTokenizer.GPT2 + "|\\s+");
        PreTokenizer pre = new PreTokenizer(List.of(PreTokenizer.GPT2));
        Random r = new Random(1);
        for (int i = 0; i < 20000; i++) {
            String s = randomText(r);
            assertThat(pre.split(s)).as("'%s'", s).isEqualTo(byRegex(p, s));
        }
    }

    @Test
    void llama3ScannerMatchesTheRegex() {
        Pattern p = unicode(PreTokenizer.LLAMA3);
        PreTokenizer pre = new PreTokenizer(List.of(PreTokenizer.LLAMA3));
        Random r = new Random(2);
        for (int i = 0; i < 20000; i++) {
            String s = randomText(r);
            assertThat(pre.split(s)).as("'%s'", s).isEqualTo(byRegex(p, s));
        }
    }

    @Test
    void regexStepsKeepEveryCharacterAndSplitInTurn() {
        // default BPE pre-tokenizer: punctuation runs first, then GPT-2, then digits
        PreTokenizer pre = new PreTokenizer(BpePresets.forName("default").regexes());
        assertThat(pre.split("Hello, world!! 12345")).containsExactly("Hello", ",", " world", "!!", " ", "123", "45");
        assertThat(String.join("", pre.split("x \u2003 y"))).isEqualTo("x \u2003 y");
    }

    @Test
    void collapsedClassesTreatNonAsciiByCategory() {
        // qwen2: single digits, letters of any script with one leading non-letter
        PreTokenizer pre = new PreTokenizer(BpePresets.forName("qwen2").regexes());
        assertThat(pre.split("größe 42ж")).containsExactly("größe", " ", "4", "2", "ж");
    }

    @Test
    void dollarMeansEndOfInputOnly() {
        assertThat(PreTokenizer.translate("\\s+$", false)).isEqualTo("\\s+\\z");
        assertThat(PreTokenizer.translate("[$]\\p{L}", true)).isEqualTo("[$][\\x{D2}A-Za-z]");
    }
}
