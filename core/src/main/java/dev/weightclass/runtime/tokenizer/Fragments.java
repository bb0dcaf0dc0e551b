package dev.weightclass.runtime.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits raw text around special tokens before the tokenizer model sees it, as llama.cpp's
 * tokenize does: user-defined tokens are always split out; control and unknown tokens only when
 * {@code parseSpecial} is set (llama-tokenize's {@code --parse-special}). Longer tokens first.
 */
final class Fragments {
    private Fragments() {}

    /** A piece of the input: either a token id, or the text in [start, end). */
    record Fragment(int token, int start, int end) {
        boolean isToken() {
            return token >= 0;
        }
    }

    static List<Fragment> split(String text, Vocabulary v, boolean parseSpecial) {
        List<Fragment> frags = new ArrayList<>();
        if (text.isEmpty()) return frags;
        frags.add(new Fragment(-1, 0, text.length()));
        for (int id : v.specialsByLength()) {
            TokenType type = v.types[id];
            if (!parseSpecial && type != TokenType.USER_DEFINED) continue;
            String special = v.tokens[id];
            if (special.isEmpty()) continue;
            boolean lstrip = v.lstrip.get(id), rstrip = v.rstrip.get(id);
            List<Fragment> out = new ArrayList<>(frags.size() + 2);
            for (Fragment f : frags) {
                if (f.isToken()) {
                    out.add(f);
                    continue;
                }
                int off = f.start, end = f.end;
                while (off < end) {
                    int m = text.indexOf(special, off);
                    if (m < 0 || m + special.length() > end) {
                        out.add(new Fragment(-1, off, end));
                        break;
                    }
                    int leftEnd = m;
                    if (lstrip) while (leftEnd > off && isSpace(text.charAt(leftEnd - 1))) leftEnd--;
                    if (leftEnd > off) out.add(new Fragment(-1, off, leftEnd));
                    out.add(new Fragment(id, 0, 0));
                    off = m + special.length();
                    if (rstrip) while (off < end && isSpace(text.charAt(off))) off++;
                }
            }
            frags = out;
        }
        return frags;
    }

    /** C's isspace in the "C" locale. */
    static boolean isSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }
}
