package dev.weightclass.runtime;

import dev.weightclass.quant.Quantizers;
import dev.weightclass.quant.RowQuantizer;
import dev.weightclass.tensor.TensorType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Vector API kernels. Matrix-vector products read each stored row once and convert it lane by lane
 * (F16/BF16 by bit manipulation; Q8_0 int8 widened to float lanes, Q4_0/Q4_1 nibbles multiplied in
 * 16-bit lanes, with the activation's Q8 quants, one multiply-add by the two scales per block; Q6_K
 * decoded in int lanes; other types through the quantization library's vector codecs).
 * Matrix-matrix products decode a tile of rows to floats once and multiply it with a block of
 * activation vectors that stays in cache.
 */
final class VectorKernels extends RowKernels {
    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    private static final int L = FS.length();
    private static final VectorSpecies<Integer> IS = VectorSpecies.of(int.class, FS.vectorShape());
    private static final VectorSpecies<Short> SS = VectorSpecies.of(short.class, VectorShape.forBitSize(L * 16));
    private static final VectorSpecies<Byte> BS = VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8));
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** Rows decoded together in matmul, and activation vectors per cache block. */
    private static final int ROW_TILE = 4;
    private static final int TOKEN_BLOCK = 64;

    /** Types with a vector product on F32/F16/BF16 inputs, and on Q8 block inputs; the rest decode rows first. */
    private static final java.util.Set<TensorType> FLOAT_TYPES =
            java.util.EnumSet.of(TensorType.F32, TensorType.F16, TensorType.BF16, TensorType.Q6_K);
    private static final java.util.Set<TensorType> INT_TYPES =
            java.util.EnumSet.of(TensorType.Q8_0, TensorType.Q4_0, TensorType.Q4_1);

    /** The quantization library's Vector API codecs: products on F32 inputs and row decoding for the types without a kernel here. */
    private static final java.util.Map<TensorType, RowQuantizer> VECTOR_CODECS = vectorCodecs();

    private static java.util.Map<TensorType, RowQuantizer> vectorCodecs() {
        java.util.Map<TensorType, RowQuantizer> m = new java.util.EnumMap<>(TensorType.class);
        for (TensorType t : TensorType.values()) {
            if (t != TensorType.F32 && t != TensorType.F16 && t != TensorType.BF16) Quantizers.vector(t).ifPresent(q -> m.put(t, q));
        }
        return m;
    }

    private final ThreadLocal<byte[]> rawRows = ThreadLocal.withInitial(() -> new byte[0]);

    /** The calling thread's buffer for one stored row of {@code bytes}. */
    private byte[] rawRow(int bytes) {
        byte[] b = rawRows.get();
        if (b.length != bytes) rawRows.set(b = new byte[bytes]);
        return b;
    }

    private final ThreadLocal<float[][]> tiles = ThreadLocal.withInitial(() -> new float[ROW_TILE][0]);

    VectorKernels(int threads, Inputs inputs) {
        super(threads, inputs);
        if (L < 8 || 32 % L != 0) throw new IllegalStateException("unsupported vector width: " + L + " floats");
    }

    @Override
    public String name() { return "vector"; }

    @Override
    public boolean supports(TensorType type) { return RowDecoder.supports(type); }

    // ---- matrix-vector ----

    @Override
    boolean vectorConversion() { return true; }

    /**
     * Q4_0 and Q8_0 weights also get the row-interleaved copy the generation kernel reads
     * ({@link InterleavedQ4_0}, {@link InterleavedQ8_0}).
     */
    @Override
    public WeightMatrix prepare(WeightMatrix w) {
        int group = RowGroups.rowsPerGroup(w.type());
        if (group == 0 || w.palette() != null || w.interleaved() != null || w.rows() < group
                || inputs() != Inputs.LLAMA_CPP || !InterleavedQ4_0.available()) {
            return w;
        }
        MemorySegment copy = w.type() == TensorType.Q4_0 ? InterleavedQ4_0.pack(w, Arena.ofAuto(), this)
                : InterleavedQ8_0.pack(w, Arena.ofAuto(), this);
        // The mapped source pages are read again only for rows outside whole groups: let the OS
        // drop them instead of keeping both copies resident.
        if (w.data().isMapped() && w.rows() % group == 0) w.data().unload();
        return w.withInterleaved(copy);
    }

    @Override
    void matvecRows(WeightMatrix w, QuantizedInput x, float[] out, int r0, int r1) {
        if (w.interleaved() != null && x.kind == QuantizedInput.Kind.Q8_0) {
            // whole row groups from the interleaved copy (r0 is a group boundary: see RowKernels.grain)
            int group = RowGroups.rowsPerGroup(w.type());
            int done = Math.min(r1, w.rows() / group * group);
            if (r0 < done) {
                if (w.type() == TensorType.Q4_0) InterleavedQ4_0.matvec(w.interleaved(), w.cols(), x, out, r0 / group, done / group);
                else InterleavedQ8_0.matvec(w.interleaved(), w.cols(), x, out, r0 / group, done / group);
                r0 = done;
            }
            if (r0 >= r1) return;
        }
        MemorySegment s = w.data();
        int cols = w.cols();
        TensorType t = w.type();
        boolean blockInput = x.kind.blocks();
        boolean fast = blockInput ? INT_TYPES.contains(t) : FLOAT_TYPES.contains(t);
        if (!fast) {
            if (blockInput) {
                // Q5_0/Q5_1 (no vector kernel yet): the reference integer block products.
                for (int r = r0; r < r1; r++) out[r] = BlockDots.dot(t, s, w.rowOffset(r), x, cols);
                return;
            }
            RowQuantizer codec = VECTOR_CODECS.get(t);
            if (codec != null) {
                // K-quants: the quantization library's fused vector dot over a copy of the row (a few
                // KiB, in cache), instead of a scalar decode per row.
                byte[] raw = rawRow((int) w.rowBytes());
                for (int r = r0; r < r1; r++) {
                    MemorySegment.copy(s, ValueLayout.JAVA_BYTE, w.rowOffset(r), raw, 0, raw.length);
                    out[r] = codec.dot(raw, 0, x.values, 0, cols);
                }
                return;
            }
            // Other types, or block types with F32 inputs: decode each row, then a vector dot.
            float[] row = tile(cols)[0];
            for (int r = r0; r < r1; r++) {
                row(w, r, row, 0);
                out[r] = dot(row, 0, x.values, 0, cols);
            }
            return;
        }
        float[] xv = x.values;
        int r = r0;
        if (t == TensorType.Q8_0 || t == TensorType.Q4_0) {
            // two rows at a time: twice the independent work per loaded activation vector
            for (; r + 2 <= r1; r += 2) {
                long b0 = w.rowOffset(r), b1 = w.rowOffset(r + 1);
                if (t == TensorType.Q8_0) dotQ8_0x2(s, b0, b1, x.q, x.d, cols, out, r);
                else dotQ4_0x2(s, b0, b1, x.qs, x.d, cols, out, r);
            }
        }
        for (; r < r1; r++) {
            long base = w.rowOffset(r);
            out[r] = switch (t) {
                case F32 -> dotF32(s, base, xv, cols);
                case F16 -> dotF16(s, base, xv, cols, false);
                case BF16 -> dotF16(s, base, xv, cols, true);
                case Q6_K -> dotQ6_K(s, base, xv, cols);
                case Q8_0 -> dotQ8_0(s, base, x.q, x.d, cols);
                case Q4_0 -> dotQ4_0(s, base, x.qs, x.d, cols);
                case Q4_1 -> dotQ4_1(s, base, x.qs, x.d, x.s, cols);
                default -> throw new IllegalStateException(t.toString());
            };
        }
    }

    private static float dotF32(MemorySegment s, long base, float[] x, int cols) {
        FloatVector a0 = FloatVector.zero(FS), a1 = FloatVector.zero(FS);
        int c = 0;
        for (; c + 2 * L <= cols; c += 2 * L) {
            a0 = FloatVector.fromMemorySegment(FS, s, base + 4L * c, LE).fma(FloatVector.fromArray(FS, x, c), a0);
            a1 = FloatVector.fromMemorySegment(FS, s, base + 4L * (c + L), LE).fma(FloatVector.fromArray(FS, x, c + L), a1);
        }
        for (; c + L <= cols; c += L) {
            a0 = FloatVector.fromMemorySegment(FS, s, base + 4L * c, LE).fma(FloatVector.fromArray(FS, x, c), a0);
        }
        float sum = a0.add(a1).reduceLanes(VectorOperators.ADD);
        for (; c < cols; c++) sum += s.get(RowDecoder.F32, base + 4L * c) * x[c];
        return sum;
    }

    /** L half-precision (or bfloat16) values at {@code off} as floats. */
    private static FloatVector halfs(MemorySegment s, long off, boolean bf16) {
        return halfsToFloats(ShortVector.fromMemorySegment(SS, s, off, LE), bf16);
    }

    private static FloatVector halfsToFloats(ShortVector v, boolean bf16) {
        IntVector h = ((IntVector) v.convertShape(VectorOperators.S2I, IS, 0)).and(0xFFFF);
        if (bf16) return h.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
        // binary16 -> binary32: move exponent+mantissa into place, rescale the exponent bias by 2^112
        // (this also handles subnormals), then put the sign back. Inf/NaN are not expected.
        FloatVector mag = h.and(0x7FFF).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f);
        return mag.reinterpretAsInts().or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }

    private static float dotF16(MemorySegment s, long base, float[] x, int cols, boolean bf16) {
        FloatVector a0 = FloatVector.zero(FS), a1 = FloatVector.zero(FS);
        int c = 0;
        for (; c + 2 * L <= cols; c += 2 * L) {
            a0 = halfs(s, base + 2L * c, bf16).fma(FloatVector.fromArray(FS, x, c), a0);
            a1 = halfs(s, base + 2L * (c + L), bf16).fma(FloatVector.fromArray(FS, x, c + L), a1);
        }
        for (; c + L <= cols; c += L) a0 = halfs(s, base + 2L * c, bf16).fma(FloatVector.fromArray(FS, x, c), a0);
        float sum = a0.add(a1).reduceLanes(VectorOperators.ADD);
        for (; c < cols; c++) sum += (bf16 ? RowDecoder.bf16(s, base + 2L * c) : RowDecoder.f16(s, base + 2L * c)) * x[c];
        return sum;
    }

    private static FloatVector bytesAsFloats(MemorySegment s, long off) {
        return (FloatVector) ByteVector.fromMemorySegment(BS, s, off, LE).convertShape(VectorOperators.B2F, FS, 0);
    }

    /*
     * Integer block products in float lanes: the quants (|w| <= 128, |x| <= 127) are exact floats,
     * so are their products and a block's partial sums (< 2^24): each block sum is the exact integer
     * ggml computes. Then one multiply-add per block by the product of the two scales.
     */

    /** Q8_0 weight block at {@code bo} times activation quants {@code xq[o..o+32)}: L lanes of exact partial sums. */
    private static FloatVector blockQ8(MemorySegment s, long bo, float[] xq, int o) {
        FloatVector blk = bytesAsFloats(s, bo + 2).mul(FloatVector.fromArray(FS, xq, o));
        for (int p = L; p < 32; p += L) blk = bytesAsFloats(s, bo + 2 + p).fma(FloatVector.fromArray(FS, xq, o + p), blk);
        return blk;
    }

    private static float dotQ8_0(MemorySegment s, long base, float[] xq, float[] xd, int cols) {
        FloatVector acc = FloatVector.zero(FS);
        for (int b = 0, blocks = cols / 32; b < blocks; b++) {
            long bo = base + 34L * b;
            acc = blockQ8(s, bo, xq, 32 * b).fma(FloatVector.broadcast(FS, RowDecoder.f16(s, bo) * xd[b]), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    private static void dotQ8_0x2(MemorySegment s, long base0, long base1, float[] xq, float[] xd, int cols,
                                  float[] out, int r) {
        FloatVector acc0 = FloatVector.zero(FS), acc1 = acc0;
        for (int b = 0, blocks = cols / 32; b < blocks; b++) {
            long bo0 = base0 + 34L * b, bo1 = base1 + 34L * b;
            float dx = xd[b];
            acc0 = blockQ8(s, bo0, xq, 32 * b).fma(FloatVector.broadcast(FS, RowDecoder.f16(s, bo0) * dx), acc0);
            acc1 = blockQ8(s, bo1, xq, 32 * b).fma(FloatVector.broadcast(FS, RowDecoder.f16(s, bo1) * dx), acc1);
        }
        out[r] = acc0.reduceLanes(VectorOperators.ADD);
        out[r + 1] = acc1.reduceLanes(VectorOperators.ADD);
    }

    /*
     * Q4_0/Q4_1 in 16-bit integer lanes: a nibble (minus 8 for Q4_0) times the activation quant
     * (|q| <= 127) is at most 1905 in magnitude, and a lane sums at most 4 of them, so the block's
     * partial sums are exact shorts; widened to ints, then floats, and scaled once per block.
     */

    /**
     * Q4_0 quants at {@code qs} (16 bytes: low nibbles are elements 0..15, high 16..31) minus 8, times
     * {@code xs[o..o+32)}. XOR 0x88 turns each nibble n into the 4-bit two's complement of n - 8, so
     * arithmetic shifts of the sign-extended byte give n - 8 directly.
     */
    private static FloatVector blockQ4_0(MemorySegment s, long qs, short[] xs, int o) {
        ShortVector sum = ShortVector.zero(SS);
        for (int p = 0; p < 16; p += L) {
            ShortVector q = (ShortVector) ByteVector.fromMemorySegment(BS, s, qs + p, LE).lanewise(VectorOperators.XOR, (byte) 0x88)
                    .convertShape(VectorOperators.B2S, SS, 0);
            ShortVector lo = q.lanewise(VectorOperators.LSHL, 12).lanewise(VectorOperators.ASHR, 12);
            ShortVector hi = q.lanewise(VectorOperators.ASHR, 4);
            sum = lo.mul(ShortVector.fromArray(SS, xs, o + p)).add(hi.mul(ShortVector.fromArray(SS, xs, o + 16 + p))).add(sum);
        }
        return (FloatVector) ((IntVector) sum.convertShape(VectorOperators.S2I, IS, 0)).convert(VectorOperators.I2F, 0);
    }

    /** Q4_1 quants at {@code qs} (nibbles 0..15, low first) times {@code xs[o..o+32)}. */
    private static FloatVector blockQ4_1(MemorySegment s, long qs, short[] xs, int o) {
        ShortVector sum = ShortVector.zero(SS);
        for (int p = 0; p < 16; p += L) {
            ShortVector q = (ShortVector) ByteVector.fromMemorySegment(BS, s, qs + p, LE).convertShape(VectorOperators.B2S, SS, 0);
            ShortVector lo = q.and((short) 0x0F);
            ShortVector hi = q.lanewise(VectorOperators.ASHR, 4).and((short) 0x0F);
            sum = lo.mul(ShortVector.fromArray(SS, xs, o + p)).add(hi.mul(ShortVector.fromArray(SS, xs, o + 16 + p))).add(sum);
        }
        return (FloatVector) ((IntVector) sum.convertShape(VectorOperators.S2I, IS, 0)).convert(VectorOperators.I2F, 0);
    }

    private static float dotQ4_0(MemorySegment s, long base, short[] xs, float[] xd, int cols) {
        FloatVector acc = FloatVector.zero(FS);
        for (int b = 0, blocks = cols / 32; b < blocks; b++) {
            long bo = base + 18L * b;
            acc = blockQ4_0(s, bo + 2, xs, 32 * b).fma(FloatVector.broadcast(FS, RowDecoder.f16(s, bo) * xd[b]), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    private static void dotQ4_0x2(MemorySegment s, long base0, long base1, short[] xs, float[] xd, int cols,
                                  float[] out, int r) {
        FloatVector acc0 = FloatVector.zero(FS), acc1 = acc0;
        for (int b = 0, blocks = cols / 32; b < blocks; b++) {
            long bo0 = base0 + 18L * b, bo1 = base1 + 18L * b;
            float dx = xd[b];
            acc0 = blockQ4_0(s, bo0 + 2, xs, 32 * b).fma(FloatVector.broadcast(FS, RowDecoder.f16(s, bo0) * dx), acc0);
            acc1 = blockQ4_0(s, bo1 + 2, xs, 32 * b).fma(FloatVector.broadcast(FS, RowDecoder.f16(s, bo1) * dx), acc1);
        }
        out[r] = acc0.reduceLanes(VectorOperators.ADD);
        out[r + 1] = acc1.reduceLanes(VectorOperators.ADD);
    }

    /** L stored bytes at {@code off} widened (sign-extended) to ints. */
    private static IntVector bytesAsInts(MemorySegment s, long off) {
        return (IntVector) ByteVector.fromMemorySegment(BS, s, off, LE).convertShape(VectorOperators.B2I, IS, 0);
    }

    /**
     * Q6_K (256-blocks of 210 bytes: 4-bit lows ql[128], 2-bit highs qh[64], int8 scales[16], F16 d)
     * times F32 activations. Each weight is {@code (d * scale) * (q - 32)}, the float the reference
     * decoder gives; the products are summed in lanes.
     */
    private static float dotQ6_K(MemorySegment s, long base, float[] x, int cols) {
        FloatVector acc0 = FloatVector.zero(FS), acc1 = acc0;
        for (int i = 0, blocks = cols / 256; i < blocks; i++) {
            long bo = base + 210L * i;
            float d = RowDecoder.f16(s, bo + 208);
            for (int half = 0; half < 2; half++) {
                long ql = bo + 64 * half, qh = bo + 128 + 32 * half, sc = bo + 192 + 8 * half;
                int xo = 256 * i + 128 * half;
                for (int l = 0; l < 32; l += L) {
                    IntVector lo = bytesAsInts(s, ql + l), lo2 = bytesAsInts(s, ql + 32 + l), h = bytesAsInts(s, qh + l);
                    long is = sc + l / 16;
                    FloatVector w1 = (FloatVector) lo.and(0xF).or(h.lanewise(VectorOperators.LSHL, 4).and(0x30)).sub(32)
                            .convert(VectorOperators.I2F, 0);
                    FloatVector w2 = (FloatVector) lo2.and(0xF).or(h.lanewise(VectorOperators.LSHL, 2).and(0x30)).sub(32)
                            .convert(VectorOperators.I2F, 0);
                    FloatVector w3 = (FloatVector) lo.lanewise(VectorOperators.ASHR, 4).and(0xF).or(h.and(0x30)).sub(32)
                            .convert(VectorOperators.I2F, 0);
                    FloatVector w4 = (FloatVector) lo2.lanewise(VectorOperators.ASHR, 4).and(0xF)
                            .or(h.lanewise(VectorOperators.ASHR, 2).and(0x30)).sub(32).convert(VectorOperators.I2F, 0);
                    acc0 = w1.mul(d * s.get(ValueLayout.JAVA_BYTE, is)).fma(FloatVector.fromArray(FS, x, xo + l), acc0);
                    acc1 = w2.mul(d * s.get(ValueLayout.JAVA_BYTE, is + 2)).fma(FloatVector.fromArray(FS, x, xo + 32 + l), acc1);
                    acc0 = w3.mul(d * s.get(ValueLayout.JAVA_BYTE, is + 4)).fma(FloatVector.fromArray(FS, x, xo + 64 + l), acc0);
                    acc1 = w4.mul(d * s.get(ValueLayout.JAVA_BYTE, is + 6)).fma(FloatVector.fromArray(FS, x, xo + 96 + l), acc1);
                }
            }
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }

    private static float dotQ4_1(MemorySegment s, long base, short[] xq, float[] xd, float[] xs, int cols) {
        FloatVector acc = FloatVector.zero(FS);
        float mins = 0;
        for (int b = 0, blocks = cols / 32; b < blocks; b++) {
            long bo = base + 20L * b;
            acc = blockQ4_1(s, bo + 4, xq, 32 * b).fma(FloatVector.broadcast(FS, RowDecoder.f16(s, bo) * xd[b]), acc);
            mins += RowDecoder.f16(s, bo + 2) * xs[b];
        }
        return acc.reduceLanes(VectorOperators.ADD) + mins;
    }

    // ---- row decoding ----

    @Override
    public void row(WeightMatrix w, int row, float[] out, int off) {
        MemorySegment s = w.data();
        long base = w.rowOffset(row);
        int cols = w.cols();
        switch (w.type()) {
            case F16, BF16 -> {
                boolean bf = w.type() == TensorType.BF16;
                int c = 0;
                for (; c + L <= cols; c += L) halfs(s, base + 2L * c, bf).intoArray(out, off + c);
                for (; c < cols; c++) out[off + c] = bf ? RowDecoder.bf16(s, base + 2L * c) : RowDecoder.f16(s, base + 2L * c);
            }
            case Q8_0 -> {
                for (int b = 0; b < cols / 32; b++) {
                    long bo = base + 34L * b;
                    float d = RowDecoder.f16(s, bo);
                    for (int p = 0; p < 32; p += L) bytesAsFloats(s, bo + 2 + p).mul(d).intoArray(out, off + 32 * b + p);
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < cols / 32; b++) {
                    long bo = base + 18L * b;
                    float d = RowDecoder.f16(s, bo);
                    for (int p = 0; p < 16; p += L) {
                        ByteVector q = ByteVector.fromMemorySegment(BS, s, bo + 2 + p, LE);
                        ((FloatVector) q.and((byte) 0x0F).sub((byte) 8).convertShape(VectorOperators.B2F, FS, 0))
                                .mul(d).intoArray(out, off + 32 * b + p);
                        ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F).sub((byte) 8)
                                .convertShape(VectorOperators.B2F, FS, 0)).mul(d).intoArray(out, off + 32 * b + 16 + p);
                    }
                }
            }
            default -> {
                RowQuantizer codec = VECTOR_CODECS.get(w.type());
                if (codec == null) {
                    RowDecoder.decode(w, row, out, off);
                    return;
                }
                byte[] raw = rawRow((int) w.rowBytes());
                MemorySegment.copy(s, ValueLayout.JAVA_BYTE, base, raw, 0, raw.length);
                codec.dequantize(raw, 0, out, off, cols);
            }
        }
    }

    // ---- matrix-matrix ----

    private float[][] tile(int cols) {
        float[][] t = tiles.get();
        if (t[0].length < cols) {
            for (int i = 0; i < ROW_TILE; i++) t[i] = new float[cols];
        }
        return t;
    }

    /**
     * Decoded weight rows times the converted activations' values ({@code d * q} for quantized
     * inputs). Weight and activation values are both exact floats (an F16 scale times an 8-bit
     * quant), so this is the integer block product up to float rounding of the sums.
     */
    @Override
    void matmulRows(WeightMatrix w, QuantizedInput[] in, float[][] out, int n, int r0, int r1) {
        int cols = w.cols();
        if (w.interleaved() != null && in[0].kind == QuantizedInput.Kind.Q8_0) {
            // whole row groups from the interleaved copy, several tokens per pass over a group's weights;
            // tokens in blocks whose activations stay in cache while every group meets them
            int group = RowGroups.rowsPerGroup(w.type()), done = Math.min(r1, w.rows() / group * group);
            MemorySegment p = w.interleaved();
            for (int t0 = 0; t0 < n && r0 < done; t0 += TOKEN_BLOCK) {
                int t1 = Math.min(n, t0 + TOKEN_BLOCK);
                for (int g = r0 / group; g < done / group; g++) {
                    int t = t0;
                    if (w.type() == TensorType.Q4_0) {
                        for (; t + 4 <= t1; t += 4) InterleavedQ4_0.matvec4(p, cols, in, t, out, g, g + 1);
                        for (; t < t1; t++) InterleavedQ4_0.matvec(p, cols, in[t], out[t], g, g + 1);
                    } else {
                        for (; t + 2 <= t1; t += 2) InterleavedQ8_0.matvec2(p, cols, in[t], in[t + 1], out[t], out[t + 1], g, g + 1);
                        for (; t < t1; t++) InterleavedQ8_0.matvec(p, cols, in[t], out[t], g, g + 1);
                    }
                }
            }
            r0 = Math.max(r0, done);
            if (r0 >= r1) return;
        }
        float[][] t = tile(cols);
        float[][] x = new float[n][];
        for (int b = 0; b < n; b++) x[b] = in[b].values;
        for (int b0 = 0; b0 < n; b0 += TOKEN_BLOCK) {
            int b1 = Math.min(n, b0 + TOKEN_BLOCK);
            for (int r = r0; r < r1; r += ROW_TILE) {
                int nr = Math.min(ROW_TILE, r1 - r);
                for (int i = 0; i < nr; i++) row(w, r + i, t[i], 0);
                if (nr == ROW_TILE) {
                    int b = b0;
                    for (; b + 4 <= b1; b += 4) tile4x4(t, x, b, cols, out, r);
                    for (; b + 2 <= b1; b += 2) tile4x2(t, x[b], x[b + 1], cols, out[b], out[b + 1], r);
                    for (; b < b1; b++) {
                        for (int i = 0; i < nr; i++) out[b][r + i] = dot(t[i], 0, x[b], 0, cols);
                    }
                } else {
                    for (int b = b0; b < b1; b++) {
                        for (int i = 0; i < nr; i++) out[b][r + i] = dot(t[i], 0, x[b], 0, cols);
                    }
                }
            }
        }
    }

    /** Four decoded rows times four activation vectors: 16 dot products, 8 loads per 16 FMAs. */
    private static void tile4x4(float[][] t, float[][] x, int b, int cols, float[][] out, int r) {
        float[] w0 = t[0], w1 = t[1], w2 = t[2], w3 = t[3];
        float[] xa = x[b], xb = x[b + 1], xc = x[b + 2], xd = x[b + 3];
        FloatVector z = FloatVector.zero(FS);
        FloatVector a0 = z, a1 = z, a2 = z, a3 = z, b0 = z, b1 = z, b2 = z, b3 = z;
        FloatVector c0 = z, c1 = z, c2 = z, c3 = z, d0 = z, d1 = z, d2 = z, d3 = z;
        int c = 0;
        for (; c + L <= cols; c += L) {
            FloatVector v0 = FloatVector.fromArray(FS, w0, c), v1 = FloatVector.fromArray(FS, w1, c);
            FloatVector v2 = FloatVector.fromArray(FS, w2, c), v3 = FloatVector.fromArray(FS, w3, c);
            FloatVector va = FloatVector.fromArray(FS, xa, c);
            a0 = v0.fma(va, a0); a1 = v1.fma(va, a1); a2 = v2.fma(va, a2); a3 = v3.fma(va, a3);
            FloatVector vb = FloatVector.fromArray(FS, xb, c);
            b0 = v0.fma(vb, b0); b1 = v1.fma(vb, b1); b2 = v2.fma(vb, b2); b3 = v3.fma(vb, b3);
            FloatVector vc = FloatVector.fromArray(FS, xc, c);
            c0 = v0.fma(vc, c0); c1 = v1.fma(vc, c1); c2 = v2.fma(vc, c2); c3 = v3.fma(vc, c3);
            FloatVector vd = FloatVector.fromArray(FS, xd, c);
            d0 = v0.fma(vd, d0); d1 = v1.fma(vd, d1); d2 = v2.fma(vd, d2); d3 = v3.fma(vd, d3);
        }
        float[] oa = out[b], ob = out[b + 1], oc = out[b + 2], od = out[b + 3];
        oa[r] = finish(a0, w0, xa, c, cols); oa[r + 1] = finish(a1, w1, xa, c, cols);
        oa[r + 2] = finish(a2, w2, xa, c, cols); oa[r + 3] = finish(a3, w3, xa, c, cols);
        ob[r] = finish(b0, w0, xb, c, cols); ob[r + 1] = finish(b1, w1, xb, c, cols);
        ob[r + 2] = finish(b2, w2, xb, c, cols); ob[r + 3] = finish(b3, w3, xb, c, cols);
        oc[r] = finish(c0, w0, xc, c, cols); oc[r + 1] = finish(c1, w1, xc, c, cols);
        oc[r + 2] = finish(c2, w2, xc, c, cols); oc[r + 3] = finish(c3, w3, xc, c, cols);
        od[r] = finish(d0, w0, xd, c, cols); od[r + 1] = finish(d1, w1, xd, c, cols);
        od[r + 2] = finish(d2, w2, xd, c, cols); od[r + 3] = finish(d3, w3, xd, c, cols);
    }

    /** Lane sum of {@code acc} plus the scalar tail {@code w[c..cols) · x[c..cols)}. */
    private static float finish(FloatVector acc, float[] w, float[] x, int c, int cols) {
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (int k = c; k < cols; k++) sum += w[k] * x[k];
        return sum;
    }

    /** Four decoded rows times two activation vectors: 8 dot products sharing every load. */
    private static void tile4x2(float[][] t, float[] xa, float[] xb, int cols, float[] oa, float[] ob, int r) {
        float[] w0 = t[0], w1 = t[1], w2 = t[2], w3 = t[3];
        FloatVector a0 = FloatVector.zero(FS), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        int c = 0;
        for (; c + L <= cols; c += L) {
            FloatVector va = FloatVector.fromArray(FS, xa, c), vb = FloatVector.fromArray(FS, xb, c);
            FloatVector v0 = FloatVector.fromArray(FS, w0, c);
            a0 = v0.fma(va, a0);
            b0 = v0.fma(vb, b0);
            FloatVector v1 = FloatVector.fromArray(FS, w1, c);
            a1 = v1.fma(va, a1);
            b1 = v1.fma(vb, b1);
            FloatVector v2 = FloatVector.fromArray(FS, w2, c);
            a2 = v2.fma(va, a2);
            b2 = v2.fma(vb, b2);
            FloatVector v3 = FloatVector.fromArray(FS, w3, c);
            a3 = v3.fma(va, a3);
            b3 = v3.fma(vb, b3);
        }
        float sa0 = a0.reduceLanes(VectorOperators.ADD), sa1 = a1.reduceLanes(VectorOperators.ADD);
        float sa2 = a2.reduceLanes(VectorOperators.ADD), sa3 = a3.reduceLanes(VectorOperators.ADD);
        float sb0 = b0.reduceLanes(VectorOperators.ADD), sb1 = b1.reduceLanes(VectorOperators.ADD);
        float sb2 = b2.reduceLanes(VectorOperators.ADD), sb3 = b3.reduceLanes(VectorOperators.ADD);
        for (; c < cols; c++) {
            sa0 += w0[c] * xa[c];
            sa1 += w1[c] * xa[c];
            sa2 += w2[c] * xa[c];
            sa3 += w3[c] * xa[c];
            sb0 += w0[c] * xb[c];
            sb1 += w1[c] * xb[c];
            sb2 += w2[c] * xb[c];
            sb3 += w3[c] * xb[c];
        }
        oa[r] = sa0;
        oa[r + 1] = sa1;
        oa[r + 2] = sa2;
        oa[r + 3] = sa3;
        ob[r] = sb0;
        ob[r + 1] = sb1;
        ob[r + 2] = sb2;
        ob[r + 3] = sb3;
    }

    // ---- float vectors ----

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector acc = FloatVector.zero(FS);
        int i = 0;
        for (; i + L <= n; i += L) acc = FloatVector.fromArray(FS, a, aOff + i).fma(FloatVector.fromArray(FS, b, bOff + i), acc);
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) s += a[aOff + i] * b[bOff + i];
        return s;
    }

    @Override
    public float dotF16(float[] a, int aOff, short[] h, int hOff, int n) {
        FloatVector acc = FloatVector.zero(FS);
        int i = 0;
        for (; i + L <= n; i += L) {
            acc = halfsToFloats(ShortVector.fromArray(SS, h, hOff + i), false).fma(FloatVector.fromArray(FS, a, aOff + i), acc);
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) s += a[aOff + i] * Float.float16ToFloat(h[hOff + i]);
        return s;
    }

    @Override
    public void axpyF16(float a, short[] h, int hOff, float[] y, int yOff, int n) {
        FloatVector va = FloatVector.broadcast(FS, a);
        int i = 0;
        for (; i + L <= n; i += L) {
            halfsToFloats(ShortVector.fromArray(SS, h, hOff + i), false).fma(va, FloatVector.fromArray(FS, y, yOff + i))
                    .intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] += a * Float.float16ToFloat(h[hOff + i]);
    }

    @Override
    public void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
        FloatVector va = FloatVector.broadcast(FS, a);
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector.fromArray(FS, x, xOff + i).fma(va, FloatVector.fromArray(FS, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] += a * x[xOff + i];
    }
}
