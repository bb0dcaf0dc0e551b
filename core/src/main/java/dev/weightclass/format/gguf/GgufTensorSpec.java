package dev.weightclass.format.gguf;

import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorType;

import java.util.Arrays;
import java.util.Objects;

/**
 * A tensor as a GGUF header declares it: name, dimensions in ggml order ({@code ne[0]} is the row
 * length, the reverse of {@link TensorInfo#shape()}) and element type. Its byte size follows
 * from the type's block layout.
 */
public record GgufTensorSpec(String name, long[] ne, TensorType type) {

    public GgufTensorSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        ne = ne.clone();
        if (!type.isGgml()) throw new IllegalArgumentException(name + ": " + type + " has no GGUF type id");
        if (ne.length > GgufFormat.MAX_DIMS) {
            throw new IllegalArgumentException(name + ": " + ne.length + " dimensions, GGUF allows " + GgufFormat.MAX_DIMS);
        }
        for (long d : ne) if (d < 0) throw new IllegalArgumentException(name + ": negative dimension " + d);
    }

    /** From a tensor of any model: its shape reversed into ggml order. */
    public static GgufTensorSpec of(TensorInfo t) {
        return new GgufTensorSpec(t.name(), reverse(t.shape()), t.type());
    }

    /** The same tensor in another type (what a quantizer writes). */
    public GgufTensorSpec withType(TensorType newType) {
        return new GgufTensorSpec(name, ne, newType);
    }

    @Override
    public long[] ne() { return ne.clone(); }

    /** Dimensions outermost first, as {@link TensorInfo#shape()}. */
    public long[] shape() { return reverse(ne); }

    public long elements() {
        long n = 1;
        for (long d : ne) n = Math.multiplyExact(n, d);
        return n;
    }

    /** Bytes of data; fails when the row length is not a whole number of the type's blocks. */
    public long byteSize() {
        if (ne.length > 0 && ne[0] % type.blockSize() != 0) {
            throw new IllegalArgumentException(name + ": row length " + ne[0] + " is not a multiple of "
                    + type + "'s block size " + type.blockSize());
        }
        return type.bytesFor(elements());
    }

    static long[] reverse(long[] a) {
        long[] r = new long[a.length];
        for (int i = 0; i < a.length; i++) r[i] = a[a.length - 1 - i];
        return r;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensorSpec s && name.equals(s.name) && Arrays.equals(ne, s.ne) && type == s.type;
    }

    @Override
    public int hashCode() { return name.hashCode() * 31 + Arrays.hashCode(ne); }

    @Override
    public String toString() { return name + " ne=" + Arrays.toString(ne) + " " + type; }
}
