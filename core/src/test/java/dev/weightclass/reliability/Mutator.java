package dev.weightclass.reliability;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Byte-level mutations of a seed file, the kinds that break parsers: flipped bits, counts and
 * offsets overwritten with boundary values, truncation, chunks deleted, duplicated or spliced in
 * from another file, and for text formats numbers swapped for extreme ones.
 */
final class Mutator {
    private static final long[] INTERESTING = {
            0, 1, -1, 2, 7, 8, 31, 32, 255, 256, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
            Integer.MAX_VALUE, Integer.MIN_VALUE, 0xffffffffL, 1L << 32, 1L << 40, 1L << 62,
            Long.MAX_VALUE, Long.MIN_VALUE};
    private static final String[] NUMBERS = {"-1", "0", "1e309", "99999999999999999999", "2147483648",
            "-2147483649", "NaN", "1.5", "\"7\"", "null", "[]", "{}"};

    private final SplittableRandom random;

    Mutator(long seed) { this.random = new SplittableRandom(seed); }

    /** One to four stacked mutations of {@code in}; {@code others} feed splicing. */
    byte[] mutate(byte[] in, List<byte[]> others, boolean text) {
        byte[] b = in;
        int n = 1 + random.nextInt(4);
        for (int i = 0; i < n; i++) b = once(b, others, text);
        return b;
    }

    private byte[] once(byte[] b, List<byte[]> others, boolean text) {
        if (b.length == 0) return new byte[] {(byte) random.nextInt(256)};
        int kind = random.nextInt(text ? 10 : 8);
        return switch (kind) {
            case 0 -> flipBit(b);
            case 1 -> setByte(b);
            case 2, 3 -> overwriteInt(b);
            case 4 -> truncate(b);
            case 5 -> deleteChunk(b);
            case 6 -> duplicateChunk(b);
            case 7 -> splice(b, others);
            default -> replaceNumber(b);
        };
    }

    private byte[] flipBit(byte[] b) {
        byte[] c = b.clone();
        int i = random.nextInt(c.length);
        c[i] ^= (byte) (1 << random.nextInt(8));
        return c;
    }

    private byte[] setByte(byte[] b) {
        byte[] c = b.clone();
        c[random.nextInt(c.length)] = (byte) INTERESTING[random.nextInt(INTERESTING.length)];
        return c;
    }

    /** A little-endian 4- or 8-byte field overwritten with a boundary value (counts, sizes, offsets). */
    private byte[] overwriteInt(byte[] b) {
        int width = random.nextBoolean() ? 4 : 8;
        if (b.length < width) return flipBit(b);
        byte[] c = b.clone();
        int pos = random.nextInt(c.length - width + 1);
        if (random.nextBoolean()) pos &= ~(width - 1);   // fields are usually aligned
        long v = random.nextInt(4) == 0 ? c.length + random.nextInt(-64, 64) : INTERESTING[random.nextInt(INTERESTING.length)];
        for (int i = 0; i < width; i++) c[pos + i] = (byte) (v >>> (8 * i));
        return c;
    }

    private byte[] truncate(byte[] b) {
        return Arrays.copyOf(b, random.nextInt(b.length));
    }

    private byte[] deleteChunk(byte[] b) {
        int from = random.nextInt(b.length);
        int len = 1 + random.nextInt(Math.min(256, b.length - from));
        byte[] c = new byte[b.length - len];
        System.arraycopy(b, 0, c, 0, from);
        System.arraycopy(b, from + len, c, from, b.length - from - len);
        return c;
    }

    private byte[] duplicateChunk(byte[] b) {
        if (b.length > 16 << 20) return flipBit(b);
        int from = random.nextInt(b.length);
        int len = 1 + random.nextInt(Math.min(256, b.length - from));
        int at = random.nextInt(b.length + 1);
        byte[] c = new byte[b.length + len];
        System.arraycopy(b, 0, c, 0, at);
        System.arraycopy(b, from, c, at, len);
        System.arraycopy(b, at, c, at + len, b.length - at);
        return c;
    }

    /** The head of this file with the tail of another (or of itself at another point). */
    private byte[] splice(byte[] b, List<byte[]> others) {
        byte[] o = others.isEmpty() ? b : others.get(random.nextInt(others.size()));
        if (o.length == 0) return truncate(b);
        int cut = random.nextInt(b.length);
        int from = random.nextInt(o.length);
        byte[] c = Arrays.copyOf(b, cut + (o.length - from));
        System.arraycopy(o, from, c, cut, o.length - from);
        return c;
    }

    /** Text formats: a number (or value) replaced by an extreme or mistyped one. */
    private byte[] replaceNumber(byte[] b) {
        String s = new String(b, StandardCharsets.ISO_8859_1);
        int start = random.nextInt(s.length());
        int i = start;
        while (i < s.length() && !Character.isDigit(s.charAt(i))) i++;
        if (i == s.length()) return flipBit(b);
        int j = i;
        while (j < s.length() && (Character.isDigit(s.charAt(j)) || s.charAt(j) == '.' || s.charAt(j) == 'e')) j++;
        String repl = NUMBERS[random.nextInt(NUMBERS.length)];
        return (s.substring(0, i) + repl + s.substring(j)).getBytes(StandardCharsets.ISO_8859_1);
    }
}
