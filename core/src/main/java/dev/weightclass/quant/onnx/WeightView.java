package dev.weightclass.quant.onnx;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A float32 weight matrix in a mapped file, read as W(k, n): k indexes the input (the reduction
 * dimension), n the output channel. A MatMul weight is stored [K, N] (input-major); a Gemm weight
 * with transB=1 is stored [N, K] (output-major).
 */
record WeightView(MemorySegment seg, int k, int n, boolean outputMajor) {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    WeightView {
        if (seg.byteSize() != 4L * k * n) {
            throw new IllegalArgumentException("weight holds " + seg.byteSize() + " bytes, [" + k + ", " + n + "] float32 needs " + 4L * k * n);
        }
    }

    private long at(long ki, long ni) { return 4 * (outputMajor ? ni * k + ki : ki * n + ni); }

    /** dst[j] = W(ki, j) for every output channel j. */
    void inputRow(int ki, float[] dst) {
        if (!outputMajor) {
            MemorySegment.copy(seg, F32, at(ki, 0), dst, 0, n);
        } else {
            for (int j = 0; j < n; j++) dst[j] = seg.get(F32, at(ki, j));
        }
    }

    /** dst[i * width + j] = W(i, n0 + j) for every input i and j < width: a band of output channels. */
    void outputBand(int n0, int width, float[] dst) {
        for (int i = 0; i < k; i++) {
            if (!outputMajor) {
                MemorySegment.copy(seg, F32, at(i, n0), dst, i * width, width);
            } else {
                for (int j = 0; j < width; j++) dst[i * width + j] = seg.get(F32, at(i, n0 + j));
            }
        }
    }

    /** dst[i] = W(i, ni) for every input i: one output channel. */
    void outputRow(int ni, float[] dst) {
        if (outputMajor) {
            MemorySegment.copy(seg, F32, at(0, ni), dst, 0, k);
        } else {
            for (int i = 0; i < k; i++) dst[i] = seg.get(F32, at(i, ni));
        }
    }

    static float[] floats(MemorySegment seg, long from, float[] dst, int count) {
        MemorySegment.copy(seg, F32, from, dst, 0, count);
        return dst;
    }
}
