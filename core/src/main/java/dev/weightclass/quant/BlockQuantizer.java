package dev.weightclass.quant;

import dev.weightclass.tensor.TensorType;

/**
 * A {@link RowQuantizer} that works one block at a time: subclasses encode and decode a single
 * block; the row loops live here.
 */
abstract class BlockQuantizer implements RowQuantizer {
    private final TensorType type;
    protected final int qk;
    protected final int blockBytes;

    BlockQuantizer(TensorType type) {
        this.type = type;
        this.qk = type.blockSize();
        this.blockBytes = type.blockBytes();
    }

    @Override
    public final TensorType type() { return type; }

    @Override
    public boolean canQuantize() { return true; }

    /** Encodes {@code qk} floats at {@code x[xo..]} into one block at {@code y[yo..]}. */
    abstract void quantizeBlock(float[] x, int xo, byte[] y, int yo);

    /** Decodes one block at {@code b[bo..]} into {@code qk} floats at {@code y[yo..]}. */
    abstract void dequantizeBlock(byte[] b, int bo, float[] y, int yo);

    @Override
    public void quantize(float[] x, int xOff, int n, byte[] out, int outOff) {
        if (!canQuantize()) throw new UnsupportedOperationException(type + " can only be read");
        int nb = blocks(n);
        for (int i = 0; i < nb; i++) quantizeBlock(x, xOff + i * qk, out, outOff + i * blockBytes);
    }

    @Override
    public void dequantize(byte[] in, int inOff, float[] y, int yOff, int n) {
        int nb = blocks(n);
        for (int i = 0; i < nb; i++) dequantizeBlock(in, inOff + i * blockBytes, y, yOff + i * qk);
    }

    final int blocks(int n) {
        if (n % qk != 0) {
            throw new IllegalArgumentException("row of " + n + " elements is not a multiple of "
                    + type + "'s block size " + qk);
        }
        return n / qk;
    }

    @Override
    public String toString() { return getClass().getSimpleName(); }
}
