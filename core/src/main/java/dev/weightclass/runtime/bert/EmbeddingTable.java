package dev.weightclass.runtime.bert;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A [rows, width] lookup table in the mapped file: float32, or 8-bit with one scale and zero
 * point (ONNX Gather followed by DequantizeLinear: {@code (q - zp) * scale}).
 */
record EmbeddingTable(String name, MemorySegment data, int rows, int width, Kind kind, float scale, int zeroPoint) {

    enum Kind { F32, U8, I8 }

    static EmbeddingTable f32(String name, MemorySegment data, int rows, int width) {
        return new EmbeddingTable(name, data, rows, width, Kind.F32, 1f, 0);
    }

    /** Row {@code r} into {@code out[off, off + width)}. */
    void row(int r, float[] out, int off) {
        if (r < 0 || r >= rows) throw new IndexOutOfBoundsException(name + ": row " + r + " of " + rows);
        long base = (long) r * width;
        switch (kind) {
            case F32 -> MemorySegment.copy(data, ScalarBertKernels.F32, 4 * base, out, off, width);
            case U8 -> {
                for (int i = 0; i < width; i++) out[off + i] = ((data.get(ValueLayout.JAVA_BYTE, base + i) & 0xFF) - zeroPoint) * scale;
            }
            case I8 -> {
                for (int i = 0; i < width; i++) out[off + i] = (data.get(ValueLayout.JAVA_BYTE, base + i) - zeroPoint) * scale;
            }
        }
    }
}
