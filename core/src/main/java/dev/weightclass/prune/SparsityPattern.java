package dev.weightclass.prune;

import dev.weightclass.WeightclassException;

import java.util.Locale;

/**
 * Which weights of a row may be zeroed together. Unstructured: any {@code k} of a row. N:M
 * (semi-structured, what sparse tensor cores run): in every group of {@code m} consecutive weights
 * of a row at most {@code n} stay non-zero, so the sparsity is {@code 1 - n/m} and a row's length
 * must be a multiple of {@code m}.
 *
 * @param n weights kept per group (0 for unstructured)
 * @param m group length (0 for unstructured)
 */
public record SparsityPattern(int n, int m) {

    public static final SparsityPattern UNSTRUCTURED = new SparsityPattern(0, 0);

    public SparsityPattern {
        if (!(n == 0 && m == 0) && (n < 1 || m < 2 || n >= m || m > 256)) {
            throw new WeightclassException("pattern " + n + ":" + m + " is not N:M with 1 <= N < M <= 256");
        }
    }

    public boolean structured() { return m > 0; }

    /** The sparsity the pattern fixes: {@code 1 - n/m}. */
    public double sparsity() { return structured() ? 1 - (double) n / m : Double.NaN; }

    /** Parses "unstructured", "2:4", "4:8". */
    public static SparsityPattern parse(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        if (t.equals("unstructured") || t.equals("none")) return UNSTRUCTURED;
        String[] p = t.split(":");
        if (p.length == 2) {
            try {
                return new SparsityPattern(Integer.parseInt(p[0].trim()), Integer.parseInt(p[1].trim()));
            } catch (NumberFormatException e) {
                // fall through to the message below
            }
        }
        throw new WeightclassException("--pattern '" + s + "': expected unstructured or N:M such as 2:4 or 4:8");
    }

    /** Throws when a row of {@code rowLength} cannot be cut into groups of m. */
    public void checkRow(String tensor, long rowLength) {
        if (structured() && rowLength % m != 0) {
            throw new WeightclassException("--pattern " + this + ": tensor " + tensor + " has rows of " + rowLength
                    + " weights, not a multiple of " + m);
        }
    }

    @Override
    public String toString() { return structured() ? n + ":" + m : "unstructured"; }
}
