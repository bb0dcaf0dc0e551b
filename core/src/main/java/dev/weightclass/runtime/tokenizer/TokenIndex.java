package dev.weightclass.runtime.tokenizer;

/**
 * Token text to id lookup for a range of chars, without building a String per lookup: an
 * open-addressing table probed with {@link String#hashCode()}'s formula over the range.
 */
final class TokenIndex {
    private final String[] tokens;
    private final int[] slots;   // token id + 1, 0 = empty
    private final int mask, shift;

    TokenIndex(String[] tokens) {
        this.tokens = tokens;
        int cap = Integer.highestOneBit(Math.max(4, tokens.length * 3)) << 1;
        slots = new int[cap];
        mask = cap - 1;
        shift = 32 - Integer.numberOfTrailingZeros(cap);
        for (int id = 0; id < tokens.length; id++) {
            String t = tokens[id];
            int s = slot(t.hashCode());
            boolean dup = false;
            while (slots[s] != 0) {
                if (tokens[slots[s] - 1].equals(t)) {
                    dup = true;   // the first id of a repeated text wins, as in Vocabulary.ids
                    break;
                }
                s = (s + 1) & mask;
            }
            if (!dup) slots[s] = id + 1;
        }
    }

    /** Fibonacci hashing: the top bits of h times the golden ratio spread similar strings apart. */
    private int slot(int h) {
        return (h * 0x9E3779B9) >>> shift;
    }

    /** The id of the token spelled by chars [from, to) of {@code text}, or -1. */
    int id(CharSequence text, int from, int to) {
        int h = 0;
        for (int i = from; i < to; i++) h = 31 * h + text.charAt(i);
        int len = to - from;
        for (int s = slot(h); slots[s] != 0; s = (s + 1) & mask) {
            String t = tokens[slots[s] - 1];
            if (t.length() == len && regionEquals(t, text, from, len)) return slots[s] - 1;
        }
        return -1;
    }

    private static boolean regionEquals(String t, CharSequence text, int from, int len) {
        if (text instanceof String s) return s.regionMatches(from, t, 0, len);
        for (int i = 0; i < len; i++) if (t.charAt(i) != text.charAt(from + i)) return false;
        return true;
    }
}
