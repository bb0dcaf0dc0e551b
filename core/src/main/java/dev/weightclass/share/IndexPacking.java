package dev.weightclass.share;

import dev.weightclass.runtime.Palette;

import java.lang.foreign.MemorySegment;

/**
 * Packs palette indices the way {@link Palette} reads them: per row, a little-endian bit stream
 * (element c at bits [c*bits, c*bits+bits), bit k of the stream is bit k%8 of byte k/8), each row
 * padded to a whole byte.
 */
public final class IndexPacking {
    private IndexPacking() {}

    /** Packs {@code idx[0..cols)} into {@code out} from {@code off}; the row's bytes are overwritten. */
    public static void pack(int[] idx, int cols, int bits, byte[] out, int off) {
        int bytes = (int) Palette.rowBytes(cols, bits);
        java.util.Arrays.fill(out, off, off + bytes, (byte) 0);
        int mask = (1 << bits) - 1;
        long bit = 0;
        for (int c = 0; c < cols; c++, bit += bits) {
            int v = idx[c];
            if ((v & ~mask) != 0) throw new IllegalArgumentException("index " + v + " does not fit " + bits + " bits");
            int at = off + (int) (bit >>> 3), shift = (int) (bit & 7);
            out[at] |= (byte) (v << shift);
            if (shift + bits > 8) out[at + 1] |= (byte) (v >>> (8 - shift));
        }
    }

    /** Unpacks one row (the inverse of {@link #pack}). */
    public static void unpack(byte[] in, int off, int cols, int bits, int[] idx) {
        MemorySegment s = MemorySegment.ofArray(in);
        for (int c = 0; c < cols; c++) idx[c] = Palette.index(s, off, c, bits);
    }
}
