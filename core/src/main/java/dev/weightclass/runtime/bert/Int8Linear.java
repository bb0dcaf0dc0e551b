package dev.weightclass.runtime.bert;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * An int8 dense layer with ONNX Runtime's dynamic quantization semantics
 * (DynamicQuantizeLinear -> MatMulInteger -> Cast -> Mul by scales -> Add bias): each sentence's
 * activations are quantized to uint8 with their own scale and zero point (ORT quantizes the whole
 * input tensor, which for one sentence is the same thing), multiplied with the int8 weight in
 * integers, and scaled back by {@code activationScale * weightScale[column]}.
 *
 * @param w        weight bytes, [in, out], int8 (or uint8 when {@code unsigned})
 * @param scale    per output column (or one value repeated)
 * @param zeroPoint per output column, as floats
 */
record Int8Linear(String name, MemorySegment w, MemorySegment packed, boolean unsigned, int in, int out, float[] scale,
                  float[] zeroPoint, float[] bias) implements Linear {

    /** The layer, with its weight also laid out as {@link #pack} does (outside the heap). */
    static Int8Linear of(String name, MemorySegment w, boolean unsigned, int in, int out, float[] scale, float[] zeroPoint,
                         float[] bias) {
        return new Int8Linear(name, w, pack(w, in, out), unsigned, in, out, scale, zeroPoint, bias);
    }

    /** Columns per tile of the packed weight. */
    static final int TILE = 64;

    /**
     * W [in, out] regrouped by tiles of {@link #TILE} columns: tile t is the rows' bytes for columns
     * [64t, 64t + 64), row after row ({@code [tile][in][64]}), so a product over one tile reads one
     * contiguous stretch instead of 64 bytes every {@code out} bytes (which the prefetcher loses at
     * every page). Columns past the last whole tile are left out: the kernels read those from W.
     */
    static MemorySegment pack(MemorySegment w, int in, int out) {
        int tiles = out / TILE;
        MemorySegment packed = Arena.ofAuto().allocate((long) tiles * TILE * in, 64);
        for (int t = 0; t < tiles; t++) {
            for (int i = 0; i < in; i++) {
                MemorySegment.copy(w, (long) i * out + (long) t * TILE, packed, packedOffset(t * TILE, in) + (long) i * TILE, TILE);
            }
        }
        return packed;
    }

    /** Where column {@code c}'s byte of row 0 sits in the packed weight (row i is {@code i * TILE} further). */
    static long packedOffset(int c, int in) {
        return (long) (c / TILE) * TILE * in + c % TILE;
    }

    @Override
    public String kind() { return "int8"; }

    @Override
    public void forward(LinearInput input, float[] y, BertKernels kernels, Parallel parallel) {
        int rows = input.rows();
        LinearInput.Quantized quantized = input.quantized(kernels, parallel);
        float[] xq = quantized.q(), rowScale = quantized.rowScale();
        parallel.split(out, VectorBertKernels.INT8_TILE,
                (n0, n1) -> kernels.gemmInt8(xq, rows, in, w, packed, unsigned, zeroPoint, out, rowScale, scale, bias, y, n0, n1));
    }
}
