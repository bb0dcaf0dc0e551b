package dev.weightclass.quant;

import dev.weightclass.tensor.TensorType;

/** F32, F16 and BF16 as row codecs, converting as ggml does (see {@link Half}). */
final class FloatCodecs {
    private FloatCodecs() {}

    static final class F32 extends BlockQuantizer {
        F32() { super(TensorType.F32); }

        @Override
        void quantizeBlock(float[] x, int xo, byte[] y, int yo) {
            LegacyQuants.putInt(y, yo, Float.floatToRawIntBits(x[xo]));
        }

        @Override
        void dequantizeBlock(byte[] b, int bo, float[] y, int yo) {
            y[yo] = Float.intBitsToFloat(LegacyQuants.getInt(b, bo));
        }
    }

    static final class F16 extends BlockQuantizer {
        F16() { super(TensorType.F16); }

        @Override
        void quantizeBlock(float[] x, int xo, byte[] y, int yo) {
            Half.put(y, yo, Half.fromFloat(x[xo]));
        }

        @Override
        void dequantizeBlock(byte[] b, int bo, float[] y, int yo) {
            y[yo] = Half.toFloat(Half.get(b, bo));
        }
    }

    static final class BF16 extends BlockQuantizer {
        BF16() { super(TensorType.BF16); }

        @Override
        void quantizeBlock(float[] x, int xo, byte[] y, int yo) {
            Half.put(y, yo, Half.bf16FromFloat(x[xo]));
        }

        @Override
        void dequantizeBlock(byte[] b, int bo, float[] y, int yo) {
            y[yo] = Half.bf16ToFloat(Half.get(b, bo));
        }
    }
}
