package dev.weightclass.quant;

import dev.weightclass.tensor.TensorType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Converts rows of floats to one ggml tensor type and back, block by block, byte-identical with
 * llama.cpp's reference quantizers (the path llama-quantize takes without an importance matrix).
 *
 * <p>A row's length must be a multiple of {@link TensorType#blockSize()}; its encoding takes
 * {@code n / blockSize * blockBytes} bytes. Implementations are stateless and thread-safe.
 */
public interface RowQuantizer {

    TensorType type();

    /** False for types this library can read but not write (dequantize only). */
    boolean canQuantize();

    /** Encodes {@code n} floats from {@code x[xOff..]} into {@code out[outOff..]}. */
    void quantize(float[] x, int xOff, int n, byte[] out, int outOff);

    /** Decodes {@code n} values from {@code in[inOff..]} into {@code y[yOff..]}. */
    void dequantize(byte[] in, int inOff, float[] y, int yOff, int n);

    /**
     * Dot product of an encoded row with float activations, summed in element order as
     * dequantize-then-multiply would (vector implementations may sum in a different order).
     */
    default float dot(byte[] in, int inOff, float[] x, int xOff, int n) {
        float[] row = new float[n];
        dequantize(in, inOff, row, 0, n);
        float s = 0;
        for (int i = 0; i < n; i++) s += row[i] * x[xOff + i];
        return s;
    }

    /** Bytes of an encoded row of {@code n} elements. */
    default int rowBytes(int n) {
        TensorType t = type();
        if (n % t.blockSize() != 0) {
            throw new IllegalArgumentException("row of " + n + " elements is not a multiple of "
                    + t + "'s block size " + t.blockSize());
        }
        return n / t.blockSize() * t.blockBytes();
    }

    /** Decodes {@code n} values starting at {@code offset} of a (mapped) segment. */
    default void dequantize(MemorySegment in, long offset, float[] y, int yOff, int n) {
        byte[] buf = new byte[rowBytes(n)];
        MemorySegment.copy(in, ValueLayout.JAVA_BYTE, offset, buf, 0, buf.length);
        dequantize(buf, 0, y, yOff, n);
    }

    /** Encodes {@code n} floats into a segment at {@code offset}. */
    default void quantize(float[] x, int xOff, int n, MemorySegment out, long offset) {
        byte[] buf = new byte[rowBytes(n)];
        quantize(x, xOff, n, buf, 0);
        MemorySegment.copy(buf, 0, out, ValueLayout.JAVA_BYTE, offset, buf.length);
    }
}
