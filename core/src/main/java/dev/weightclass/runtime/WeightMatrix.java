package dev.weightclass.runtime;

import dev.weightclass.WeightclassException;
import dev.weightclass.tensor.TensorType;

import java.lang.foreign.MemorySegment;

/**
 * A 2-D weight [rows, cols] that stays where it is stored (usually the memory-mapped model file).
 * Rows are contiguous; a row of a block-quantized type is {@code cols / blockSize} blocks.
 *
 * @param name  tensor name, for messages
 * @param type  element type of the stored bytes
 * @param rows  output features
 * @param cols  input features (row length)
 * @param data  exactly {@code rows * rowBytes()} bytes
 * @param palette null for a ggml-typed weight; for a palettized one its lookup table, with
 *                {@code data} the packed indices ({@code type} U8) that only {@link Palette} reads
 * @param interleaved null, or a copy of the rows in whole groups (32 or 64) in the layout a
 *                kernel reads faster ({@link Kernels#prepare}); {@code data} stays the reference
 */
public record WeightMatrix(String name, TensorType type, int rows, int cols, MemorySegment data, Palette palette,
                           MemorySegment interleaved) {

    public WeightMatrix(String name, TensorType type, int rows, int cols, MemorySegment data) {
        this(name, type, rows, cols, data, null, null);
    }

    public WeightMatrix(String name, TensorType type, int rows, int cols, MemorySegment data, Palette palette) {
        this(name, type, rows, cols, data, palette, null);
    }

    /** This weight with its rows also held in a kernel's own layout. */
    public WeightMatrix withInterleaved(MemorySegment copy) {
        return new WeightMatrix(name, type, rows, cols, data, palette, copy);
    }

    public WeightMatrix {
        if (rows <= 0 || cols <= 0) throw new WeightclassException(name + ": empty weight [" + rows + ", " + cols + "]");
        if (cols % type.blockSize() != 0) {
            throw new WeightclassException(name + ": row length " + cols + " is not a multiple of the "
                    + type + " block size " + type.blockSize());
        }
        if (palette != null && (type != TensorType.U8 || (long) palette.groups() * palette.groupRows() != rows)) {
            throw new WeightclassException(name + ": palette of " + palette.groups() + " tables of " + palette.groupRows()
                    + " rows does not cover " + rows + " rows of U8 indices");
        }
        long need = rows * (palette != null ? palette.rowBytes(cols) : type.bytesFor(cols));
        if (data.byteSize() != need) {
            throw new WeightclassException(name + ": holds " + data.byteSize() + " bytes, a " + type
                    + " [" + rows + ", " + cols + "] weight needs " + need);
        }
    }

    /** Bytes of one row. */
    public long rowBytes() { return palette != null ? palette.rowBytes(cols) : type.bytesFor(cols); }

    /** Byte offset of a row in {@link #data()}. */
    public long rowOffset(int row) { return row * rowBytes(); }

    /** Rows {@code [from, from + count)} as their own matrix (a slice, no copy). */
    public WeightMatrix rows(int from, int count, String sliceName) {
        if (palette != null) throw new UnsupportedOperationException(name + ": a palettized weight is not sliced");
        return new WeightMatrix(sliceName, type, count, cols, data.asSlice(rowOffset(from), count * rowBytes()));
    }
}
