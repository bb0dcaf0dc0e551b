package dev.weightclass.lora;

import dev.weightclass.quant.TensorRows;
import dev.weightclass.tensor.TensorInfo;

import java.lang.foreign.MemorySegment;

/**
 * One low-rank update of an adapter: {@code delta = scale * B · A} with A [rank, in] and
 * B [out, rank] (both PEFT and llama.cpp store them this way, outermost dimension first).
 *
 * @param target    what the update applies to, as the adapter names it: a PEFT module path
 *                  ({@code model.layers.0.self_attn.q_proj}) or a GGUF base tensor name
 *                  ({@code blk.0.attn_q.weight})
 * @param a         the A tensor in the adapter file
 * @param b         the B tensor
 * @param scale     the adapter's multiplier of B·A (alpha / r, alpha / sqrt(r), or 1)
 * @param transposed the base weight is stored [in, out] (Conv1D, fan_in_fan_out) or is an
 *                  embedding table, so the update is (B·A)^T
 * @param embedding the target is an embedding (PEFT {@code lora_embedding_A/B})
 */
public record LoraPair(String target, TensorInfo a, TensorInfo b, double scale, boolean transposed, boolean embedding) {

    public int rank() { return (int) a.dim(0); }

    public int in() { return (int) a.dim(1); }

    public int out() { return (int) b.dim(0); }

    public long parameters() { return a.elements() + b.elements(); }

    public long bytes() { return a.byteSize() + b.byteSize(); }

    /** A as floats, row-major [rank][in]. */
    public float[] readA(MemorySegment data) { return read(a, data); }

    /** B as floats, row-major [out][rank]. */
    public float[] readB(MemorySegment data) { return read(b, data); }

    private static float[] read(TensorInfo t, MemorySegment data) {
        int cols = (int) t.dim(1), rows = (int) t.dim(0);
        float[] out = new float[Math.multiplyExact(rows, cols)];
        for (int r = 0; r < rows; r++) TensorRows.read(data, t.type(), cols, r, out, r * cols);
        return out;
    }
}
