package dev.weightclass.runtime.tokenizer;

import java.text.Normalizer;

/**
 * Code point classes as llama.cpp's tokenizers see them: one general-category class per code
 * point plus the Unicode White_Space set. Pre-tokenizer regexes and WordPiece splitting are
 * defined on these classes, so every tokenizer here asks this class rather than {@link Character}.
 */
final class Unicode {
    private Unicode() {}

    static final int UNDEFINED = 1, NUMBER = 2, LETTER = 4, SEPARATOR = 8, ACCENT_MARK = 16,
            PUNCTUATION = 32, SYMBOL = 64, CONTROL = 128;
    /** Category bits; {@link #WHITESPACE} is a separate property that overlaps them. */
    static final int CATEGORIES = 0xFF;
    static final int WHITESPACE = 0x100;

    private static final short[] BMP = new short[0x10000];

    static {
        for (int cp = 0; cp < BMP.length; cp++) BMP[cp] = (short) compute(cp);
    }

    /** Class bits of a code point; 0 only for values outside Unicode. */
    static int flags(int cp) {
        if (cp >= 0 && cp < BMP.length) return BMP[cp];
        if (cp < 0 || cp > Character.MAX_CODE_POINT) return 0;
        return compute(cp);
    }

    static boolean isLetter(int cp) { return (flags(cp) & LETTER) != 0; }
    static boolean isNumber(int cp) { return (flags(cp) & NUMBER) != 0; }
    static boolean isWhitespace(int cp) { return (flags(cp) & WHITESPACE) != 0; }

    /** The White_Space property (what Python's and Rust's regex call \s). */
    static boolean whiteSpaceProperty(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }

    private static int compute(int cp) {
        int f = switch (Character.getType(cp)) {
            case Character.UNASSIGNED -> UNDEFINED;
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER -> LETTER;
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK,
                 Character.COMBINING_SPACING_MARK -> ACCENT_MARK;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
            case Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR,
                 Character.PARAGRAPH_SEPARATOR -> SEPARATOR;
            case Character.CONTROL, Character.FORMAT, Character.PRIVATE_USE, Character.SURROGATE -> CONTROL;
            case Character.DASH_PUNCTUATION, Character.START_PUNCTUATION, Character.END_PUNCTUATION,
                 Character.CONNECTOR_PUNCTUATION, Character.OTHER_PUNCTUATION,
                 Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION -> PUNCTUATION;
            case Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL,
                 Character.OTHER_SYMBOL -> SYMBOL;
            default -> UNDEFINED;
        };
        return whiteSpaceProperty(cp) ? f | WHITESPACE : f;
    }

    /** Simple (one code point) lowercase mapping from UnicodeData. */
    static int toLower(int cp) {
        return Character.toLowerCase(cp);
    }

    private static final int[] NFD_FIRST = new int[0x10000];

    /** The first code point of the NFD decomposition: llama.cpp's "strip accents" base letter. */
    static int nfdFirst(int cp) {
        if (cp < 0x80) return cp;
        if (cp < NFD_FIRST.length) {
            int v = NFD_FIRST[cp];
            if (v == 0) {
                v = Normalizer.normalize(Character.toString(cp), Normalizer.Form.NFD).codePointAt(0) + 1;
                NFD_FIRST[cp] = v;
            }
            return v - 1;
        }
        return Normalizer.normalize(Character.toString(cp), Normalizer.Form.NFD).codePointAt(0);
    }
}
