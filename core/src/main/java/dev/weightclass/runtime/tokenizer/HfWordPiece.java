package dev.weightclass.runtime.tokenizer;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * WordPiece from a Hugging Face {@code tokenizer.json} (BERT, MiniLM): BertNormalizer (drop
 * control characters, whitespace to spaces, spaces around CJK ideographs, NFD accent stripping,
 * lowercasing), BertPreTokenizer (split at whitespace and punctuation) and the WordPiece model
 * with its {@code ##} continuation prefix. Words longer than {@code maxInputChars} or that cannot
 * be covered become the unknown token. Special tokens wrap the text as the post-processor says.
 */
final class HfWordPiece extends VocabTokenizer {
    private final boolean cleanText, chineseChars, stripAccents, lowercase;
    private final String prefix;
    private final int maxInputChars;
    private final int[] before, after;

    HfWordPiece(Vocabulary vocab, boolean cleanText, boolean chineseChars, boolean stripAccents, boolean lowercase,
                String prefix, int maxInputChars, int[] before, int[] after) {
        super(vocab, "bert");
        this.cleanText = cleanText;
        this.chineseChars = chineseChars;
        this.stripAccents = stripAccents;
        this.lowercase = lowercase;
        this.prefix = prefix;
        this.maxInputChars = maxInputChars;
        this.before = before;
        this.after = after;
        // added tokens are matched in any text, as Hugging Face tokenizers do
        this.parseSpecial = true;
    }

    @Override
    boolean stripsLeadingSpace() {
        return true;
    }

    @Override
    void encodeFragments(String text, boolean addSpecial, IntList out) {
        if (addSpecial) for (int id : before) out.add(id);
        for (Fragments.Fragment f : Fragments.split(text, vocab, parseSpecial)) {
            if (f.isToken()) out.add(f.token());
            else for (String w : words(normalize(text.substring(f.start(), f.end())))) encodeWord(w, out);
        }
        if (addSpecial) for (int id : after) out.add(id);
    }

    String normalize(String text) {
        StringBuilder sb = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (cleanText) {
                if (cp == 0 || cp == 0xFFFD || isControl(cp)) continue;
                if (isWhitespace(cp)) cp = ' ';
            }
            if (chineseChars && WordPiece.isChinese(cp)) sb.append(' ').appendCodePoint(cp).append(' ');
            else sb.appendCodePoint(cp);
        }
        String s = sb.toString();
        if (stripAccents) {
            String nfd = Normalizer.normalize(s, Normalizer.Form.NFD);
            sb.setLength(0);
            nfd.codePoints().filter(cp -> Character.getType(cp) != Character.NON_SPACING_MARK).forEach(sb::appendCodePoint);
            s = sb.toString();
        }
        return lowercase ? s.toLowerCase(Locale.ROOT) : s;
    }

    private static boolean isWhitespace(int cp) {
        return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || Unicode.whiteSpaceProperty(cp);
    }

    private static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') return false;
        int t = Character.getType(cp);
        return t == Character.CONTROL || t == Character.FORMAT || t == Character.SURROGATE
                || t == Character.PRIVATE_USE || t == Character.UNASSIGNED;
    }

    private static boolean isPunctuation(int cp) {
        if (cp < 0x80) return (cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126);
        return (Unicode.flags(cp) & Unicode.PUNCTUATION) != 0;
    }

    /** BertPreTokenizer: whitespace separates words, each punctuation character is a word. */
    static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (isWhitespace(cp) || isPunctuation(cp)) {
                if (!w.isEmpty()) words.add(w.toString());
                w.setLength(0);
                if (!isWhitespace(cp)) words.add(Character.toString(cp));
            } else {
                w.appendCodePoint(cp);
            }
        }
        if (!w.isEmpty()) words.add(w.toString());
        return words;
    }

    private void encodeWord(String word, IntList out) {
        if (word.codePointCount(0, word.length()) > maxInputChars) {
            out.add(vocab.unk);
            return;
        }
        int mark = out.size();
        int start = 0, n = word.length();
        while (start < n) {
            int end = n, found = -1;
            for (; end > start; end--) {
                if (end < n && Character.isLowSurrogate(word.charAt(end))) continue;
                String piece = word.substring(start, end);
                found = vocab.id(start > 0 ? prefix + piece : piece);
                if (found >= 0) break;
            }
            if (found < 0) {
                out.truncate(mark);
                out.add(vocab.unk);
                return;
            }
            out.add(found);
            start = end;
        }
    }

    @Override
    byte[] normalBytes(String text) {
        String s = text.startsWith(prefix) ? text.substring(prefix.length()) : " " + text;
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
