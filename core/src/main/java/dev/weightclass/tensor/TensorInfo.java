package dev.weightclass.tensor;

import java.util.Arrays;

/**
 * One tensor of a model file, format-independent.
 *
 * @param name     the tensor's name as stored in the file
 * @param shape    dimensions outermost first (row-major, as numpy, safetensors and ONNX write
 *                 them; GGUF's {@code ne} order reversed), so {@code shape[shape.length-1]} is the
 *                 row length
 * @param type     element type
 * @param fileIndex which of the model's files holds the data (0 for single-file models)
 * @param offset   absolute byte offset of the data in that file
 * @param byteSize bytes of data
 * @param role     what the tensor does in the model
 * @param layer    block index, or -1 for tensors outside the repeated blocks
 */
public record TensorInfo(String name, long[] shape, TensorType type, int fileIndex, long offset,
                         long byteSize, TensorRole role, int layer) {

    public TensorInfo {
        shape = shape.clone();
    }

    @Override
    public long[] shape() { return shape.clone(); }

    public int rank() { return shape.length; }

    public long dim(int i) { return shape[i]; }

    /** Number of elements (overflow was rejected when the file was read). */
    public long elements() {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    /** Length of one row (the innermost dimension), 1 for scalars. */
    public long rowLength() { return shape.length == 0 ? 1 : shape[shape.length - 1]; }

    /** Parameters this tensor contributes: 0 for quantization params, graph constants and tied copies. */
    public long parameters() { return role.countsAsParameters() ? elements() : 0; }

    public TensorInfo withRole(TensorRole newRole, int newLayer) {
        return new TensorInfo(name, shape, type, fileIndex, offset, byteSize, newRole, newLayer);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && Arrays.equals(shape, t.shape)
                && type == t.type && fileIndex == t.fileIndex && offset == t.offset
                && byteSize == t.byteSize && role == t.role && layer == t.layer;
    }

    @Override
    public int hashCode() { return name.hashCode() * 31 + Arrays.hashCode(shape); }

    @Override
    public String toString() {
        return name + " " + Arrays.toString(shape) + " " + type + " @" + offset + "+" + byteSize;
    }
}
