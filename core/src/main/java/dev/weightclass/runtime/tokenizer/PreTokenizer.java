package dev.weightclass.runtime.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits text into words before byte-level BPE, with llama.cpp's semantics: a list of regexes
 * applied in turn, each one splitting every piece left by the previous one into its matches and
 * the text between them (nothing is dropped). The GPT-2 and LLaMA-3 regexes run as hand-written
 * scanners. Regexes with Unicode classes run on a "collapsed" copy of the text where each code
 * point stands for its class, the way llama.cpp runs them, so ASCII behaves per character and
 * every other code point per class.
 */
final class PreTokenizer {

    /** GPT-2's regex; matched by a scanner, see {@link #gpt2}. */
    static final String GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
    /** LLaMA-3's regex (case-insensitive contractions); matched by a scanner, see {@link #llama3}. */
    static final String LLAMA3 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+"
            + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private sealed interface Step permits Custom, Regex {}
    private record Custom(boolean llama3) implements Step {}
    private record Regex(Pattern pattern, boolean collapsed) implements Step {}

    private final List<Step> steps = new ArrayList<>();
    private final List<String> regexes;
    private final boolean needsCollapsed;

    PreTokenizer(List<String> regexes) {
        this.regexes = List.copyOf(regexes);
        boolean collapsed = false;
        for (String r : regexes) {
            if (r.equals(GPT2)) steps.add(new Custom(false));
            else if (r.equals(LLAMA3)) steps.add(new Custom(true));
            else {
                boolean c = usesClasses(r);
                collapsed |= c;
                steps.add(new Regex(Pattern.compile(translate(r, c)), c));
            }
        }
        this.needsCollapsed = collapsed;
    }

    List<String> regexes() {
        return regexes;
    }

    /** The words of {@code text}, in order; concatenated they give the text back. */
    List<String> split(String text) {
        int[] cps = text.codePoints().toArray();
        IntList lengths = new IntList();
        if (cps.length > 0) lengths.add(cps.length);
        String collapsed = needsCollapsed ? collapse(cps) : null;
        Raw raw = null;
        for (Step step : steps) {
            IntList out = new IntList();
            int start = 0;
            for (int k = 0; k < lengths.size(); k++) {
                int end = start + lengths.get(k);
                switch (step) {
                    case Custom c -> {
                        if (c.llama3()) llama3(cps, start, end, out);
                        else gpt2(cps, start, end, out);
                    }
                    case Regex r when r.collapsed() -> regex(r.pattern(), collapsed, null, start, end, out);
                    case Regex r -> {
                        if (raw == null) raw = new Raw(cps);
                        regex(r.pattern(), raw.text, raw, start, end, out);
                    }
                }
                start = end;
            }
            lengths = out;
        }
        List<String> words = new ArrayList<>(lengths.size());
        int start = 0;
        for (int k = 0; k < lengths.size(); k++) {
            words.add(new String(cps, start, lengths.get(k)));
            start += lengths.get(k);
        }
        return words;
    }

    // ---- regex steps ----------------------------------------------------------------------

    /** The text as code points with non-ASCII whitespace turned into \v (what llama.cpp matches). */
    private static final class Raw {
        final String text;
        final int[] charOfCp;   // cp index -> char index (length n+1)
        final int[] cpOfChar;   // char index -> cp index (length chars+1)

        Raw(int[] cps) {
            StringBuilder sb = new StringBuilder(cps.length);
            charOfCp = new int[cps.length + 1];
            for (int i = 0; i < cps.length; i++) {
                charOfCp[i] = sb.length();
                int cp = cps[i];
                sb.appendCodePoint(cp > 0x7F && Unicode.isWhitespace(cp) ? 0x0B : cp);
            }
            charOfCp[cps.length] = sb.length();
            text = sb.toString();
            cpOfChar = new int[text.length() + 1];
            for (int i = 0; i < cps.length; i++) {
                for (int c = charOfCp[i]; c < charOfCp[i + 1]; c++) cpOfChar[c] = i;
            }
            cpOfChar[text.length()] = cps.length;
        }
    }

    /** Splits [start, end) (code points) into matches and gaps; empty matches add nothing. */
    private static void regex(Pattern p, String subject, Raw raw, int start, int end, IntList out) {
        int from = raw == null ? start : raw.charOfCp[start];
        int to = raw == null ? end : raw.charOfCp[end];
        Matcher m = p.matcher(subject);
        m.region(from, to);
        int prev = start;
        while (m.find()) {
            int ms = raw == null ? m.start() : raw.cpOfChar[m.start()];
            int me = raw == null ? m.end() : raw.cpOfChar[m.end()];
            if (me == ms) continue;
            if (ms > prev) out.add(ms - prev);
            out.add(me - ms);
            prev = me;
        }
        if (prev < end) out.add(end - prev);
    }

    private static final char C_OTHER = 0xD0, C_NUMBER = 0xD1, C_LETTER = 0xD2, C_PUNCT = 0xD3,
            C_MARK = 0xD4, C_SYMBOL = 0xD5;

    /** One char per code point: ASCII as is, other whitespace as \v, everything else its class. */
    private static String collapse(int[] cps) {
        char[] c = new char[cps.length];
        for (int i = 0; i < cps.length; i++) {
            int cp = cps[i];
            if (cp < 128) {
                c[i] = (char) cp;
                continue;
            }
            int f = Unicode.flags(cp);
            if ((f & Unicode.WHITESPACE) != 0) c[i] = 0x0B;
            else c[i] = switch (f & Unicode.CATEGORIES) {
                case Unicode.NUMBER -> C_NUMBER;
                case Unicode.LETTER -> C_LETTER;
                case Unicode.PUNCTUATION -> C_PUNCT;
                case Unicode.ACCENT_MARK -> C_MARK;
                case Unicode.SYMBOL -> C_SYMBOL;
                default -> C_OTHER;
            };
        }
        return new String(c);
    }

    private static final String[][] CLASSES = {
            {"\\p{N}", "\\x{D1}0-9"},
            {"\\p{L}", "\\x{D2}A-Za-z"}, {"\\p{Lu}", "\\x{D2}A-Za-z"}, {"\\p{Ll}", "\\x{D2}A-Za-z"},
            {"\\p{Lt}", "\\x{D2}A-Za-z"}, {"\\p{Lm}", "\\x{D2}A-Za-z"}, {"\\p{Lo}", "\\x{D2}A-Za-z"},
            // the ASCII members of each class, as llama.cpp lists them (its symbol list has no '~')
            {"\\p{P}", "\\x{D3}!-#%-*,-/:-;?-@\\[-\\]_\\{\\}"},
            {"\\p{M}", "\\x{D4}"},
            {"\\p{S}", "\\x{D5}\\$\\+<->\\^`\\|"},
    };

    private static boolean usesClasses(String regex) {
        for (String[] c : CLASSES) if (regex.contains(c[0])) return true;
        return false;
    }

    /**
     * Rewrites a regex for the collapsed text (Unicode classes become class chars plus their
     * ASCII members) and makes {@code $} mean end of input only, as in ECMAScript.
     */
    static String translate(String regex, boolean collapsed) {
        StringBuilder sb = new StringBuilder();
        boolean inside = false;
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '\\' && i + 1 < regex.length()) {
                if (collapsed && regex.charAt(i + 1) == 'p') {
                    String[] cls = classAt(regex, i);
                    if (cls != null) {
                        sb.append(inside ? cls[1] : "[" + cls[1] + "]");
                        i += cls[0].length() - 1;
                        continue;
                    }
                }
                sb.append(c).append(regex.charAt(++i));
                continue;
            }
            if (c == '[' && !inside) inside = true;
            else if (c == ']' && inside) inside = false;
            else if (c == '$' && !inside) {
                sb.append("\\z");
                continue;
            }
            sb.append(c);
        }
        return sb.toString();
    }

    private static String[] classAt(String regex, int i) {
        for (String[] c : CLASSES) if (regex.startsWith(c[0], i)) return c;
        return null;
    }

    // ---- scanners for the two common regexes -------------------------------------------------

    private static int flagsAt(int[] cps, int pos, int end) {
        return pos < end ? Unicode.flags(cps[pos]) : 0;
    }

    private static int cpAt(int[] cps, int pos, int end) {
        return pos < end ? cps[pos] : -1;
    }

    /** Length of a contraction ('s 't 're 've 'm 'll 'd) at pos, or 0. */
    private static int contraction(int[] cps, int pos, int end, boolean anyCase) {
        if (cps[pos] != '\'' || pos + 1 >= end) return 0;
        int a = cps[pos + 1];
        if (anyCase) a = Unicode.toLower(a);
        if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
        if (pos + 2 < end) {
            int b = cps[pos + 2];
            if (anyCase) b = Unicode.toLower(b);
            if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
        }
        return 0;
    }

    private static boolean isPunctLike(int f) {
        // [^\s\p{L}\p{N}]: any code point in range that is not whitespace, letter or number
        return f != 0 && (f & (Unicode.WHITESPACE | Unicode.LETTER | Unicode.NUMBER)) == 0;
    }

    /** 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+ */
    static void gpt2(int[] cps, int start, int end, IntList out) {
        int pos = start;
        while (pos < end) {
            int cp = cps[pos];
            int c = contraction(cps, pos, end, false);
            if (c > 0) {
                out.add(c);
                pos += c;
                continue;
            }
            int begin = pos;
            int f2 = cp == ' ' ? flagsAt(cps, pos + 1, end) : Unicode.flags(cp);
            if ((f2 & Unicode.LETTER) != 0) {
                if (cp == ' ') pos++;
                while ((flagsAt(cps, pos, end) & Unicode.LETTER) != 0) pos++;
            } else if ((f2 & Unicode.NUMBER) != 0) {
                if (cp == ' ') pos++;
                while ((flagsAt(cps, pos, end) & Unicode.NUMBER) != 0) pos++;
            } else if (isPunctLike(f2)) {
                if (cp == ' ') pos++;
                while (isPunctLike(flagsAt(cps, pos, end))) pos++;
            } else {
                int ws = 0;
                while ((flagsAt(cps, pos + ws, end) & Unicode.WHITESPACE) != 0) ws++;
                if (ws > 1 && pos + ws < end) pos += ws - 1;    // \s+(?!\S): leave one for the next word
                else if (ws > 0) pos += ws;
                else pos++;                                       // no match: one code point
            }
            out.add(pos - begin);
        }
    }

    /** LLaMA-3: contractions|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+ */
    static void llama3(int[] cps, int start, int end, IntList out) {
        int pos = start;
        while (pos < end) {
            int cp = cps[pos];
            int f = Unicode.flags(cp);
            int c = contraction(cps, pos, end, true);
            if (c > 0) {
                out.add(c);
                pos += c;
                continue;
            }
            int begin = pos;
            if (!(cp == '\r' || cp == '\n' || (f & Unicode.NUMBER) != 0)
                    && ((f & Unicode.LETTER) != 0 || (flagsAt(cps, pos + 1, end) & Unicode.LETTER) != 0)) {
                pos++;
                while ((flagsAt(cps, pos, end) & Unicode.LETTER) != 0) pos++;
                out.add(pos - begin);
                continue;
            }
            if ((f & Unicode.NUMBER) != 0) {
                int ini = pos;
                while ((flagsAt(cps, pos, end) & Unicode.NUMBER) != 0) {
                    if (++pos - ini >= 3) {
                        out.add(pos - ini);
                        ini = pos;
                    }
                }
                if (pos > ini) out.add(pos - ini);
                continue;
            }
            int f2 = cp == ' ' ? flagsAt(cps, pos + 1, end) : f;
            if (isPunctLike(f2) && f != 0) {
                if (cp == ' ') pos++;
                while (isPunctLike(flagsAt(cps, pos, end))) pos++;
                int c2 = cpAt(cps, pos, end);
                while (c2 == '\r' || c2 == '\n') c2 = cpAt(cps, ++pos, end);
                out.add(pos - begin);
                continue;
            }
            int ws = 0, lastNewline = -1;
            while ((flagsAt(cps, pos + ws, end) & Unicode.WHITESPACE) != 0) {
                int c2 = cps[pos + ws];
                if (c2 == '\r' || c2 == '\n') lastNewline = pos + ws + 1;
                ws++;
            }
            if (lastNewline >= 0) pos = lastNewline;                // \s*[\r\n]+
            else if (ws > 1 && pos + ws < end) pos += ws - 1;       // \s+(?!\S)
            else if (ws > 0) pos += ws;                              // \s+
            else pos++;
            out.add(pos - begin);
        }
    }
}
