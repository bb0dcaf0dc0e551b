package dev.weightclass.format.gguf;

/** Constants of the GGUF layout shared by the reader and the writer. */
public final class GgufFormat {
    private GgufFormat() {}

    /** "GGUF" read as a little-endian u32. */
    public static final int MAGIC = 0x46554747;
    public static final int DEFAULT_ALIGNMENT = 32;
    public static final String ALIGNMENT_KEY = "general.alignment";
    /** ggml tensors have at most 4 dimensions. */
    public static final int MAX_DIMS = 4;
    /** Arrays of arrays deeper than this are rejected (no real file nests at all). */
    public static final int MAX_ARRAY_DEPTH = 8;

    public static boolean isSupportedVersion(long version) { return version == 2 || version == 3; }

    /** {@code n} rounded up to a multiple of the power of two {@code alignment}. */
    public static long pad(long n, long alignment) {
        return Math.addExact(n, alignment - 1) & -alignment;
    }
}
