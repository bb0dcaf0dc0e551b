package dev.weightclass.share;

import dev.weightclass.WeightclassException;
import dev.weightclass.runtime.Palette;
import dev.weightclass.tensor.TensorType;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ForkJoinPool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Palette tables and indices, without model files. */
class PalettizerTest {

    @Test
    void indicesRoundTripForEveryWidth() {
        Random rnd = new Random(7);
        for (int bits = 1; bits <= 8; bits++) {
            for (int cols : new int[] {1, 7, 64, 172, 333}) {
                int[] idx = new int[cols], back = new int[cols];
                for (int c = 0; c < cols; c++) idx[c] = rnd.nextInt(1 << bits);
                byte[] packed = new byte[3 + (int) Palette.rowBytes(cols, bits)];
                Arrays.fill(packed, (byte) 0x5A);     // the row is overwritten, neighbours are not
                IndexPacking.pack(idx, cols, bits, packed, 3);
                IndexPacking.unpack(packed, 3, cols, bits, back);
                assertThat(back).as("bits %d cols %d", bits, cols).containsExactly(idx);
                assertThat(packed[0]).isEqualTo((byte) 0x5A);
            }
        }
        assertThat(Palette.rowBytes(172, 3)).isEqualTo(65);   // 516 bits -> 65 bytes
    }

    @Test
    void packedLayoutIsALittleEndianBitStream() {
        byte[] out = new byte[2];
        IndexPacking.pack(new int[] {0b101, 0b011, 0b110}, 3, 3, out, 0);
        // bits: 101 | 011<<3 | 110<<6 = 0b110_011_101 -> bytes 0b10011101, 0b1
        assertThat(out[0] & 0xFF).isEqualTo(0b10011101);
        assertThat(out[1] & 0xFF).isEqualTo(0b1);
    }

    @Test
    void tablesAndIndicesRoundTripForEveryBits() {
        Palettizer.Source src = matrix("w", 24, 40, 3);
        try (ForkJoinPool pool = new ForkJoinPool(2)) {
            for (int bits = Palettizer.MIN_BITS; bits <= Palettizer.MAX_BITS; bits++) {
                Palettizer.Fitted f = Palettizer.fit(List.of(src), null,
                        new Palettizer.Options(bits, 8, TensorType.F16, 1), pool).getFirst();
                assertThat(f.lut()).hasSize(3 << bits);
                byte[] idx = Palettizer.encode(f, pool);
                assertThat(idx).hasSize(24 * (int) Palette.rowBytes(40, bits));
                // every element decodes to the table value nearest to it
                MemorySegment lut = Palettization.table(f.lut(), TensorType.F16);
                MemorySegment dense = Palettization.expand(f.palette(), 24, 40, MemorySegment.ofArray(idx), TensorType.F32);
                float[] row = new float[40];
                for (int r = 0; r < 24; r++) {
                    src.row(r, row);
                    float[] table = Arrays.copyOfRange(f.lut(), (r / 8) << bits, ((r / 8) + 1) << bits);
                    for (int c = 0; c < 40; c++) {
                        float got = dense.get(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, 4L * (r * 40 + c));
                        assertThat(got).isEqualTo(table[WeightedKMeans.nearest(table, row[c])]);
                    }
                }
                for (int i = 0; i < f.lut().length; i++) {
                    assertThat(Float.float16ToFloat(lut.get(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, 2L * i)))
                            .isEqualTo(f.lut()[i]);
                }
            }
        }
    }

    @Test
    void kmeansIsDeterministicAndFindsSeparatedClusters() {
        WeightedKMeans.Histogram h = new WeightedKMeans.Histogram();
        Random rnd = new Random(3);
        float[] truth = {-2f, -0.5f, 0.25f, 1.5f};
        for (int i = 0; i < 20000; i++) h.add(truth[i % 4] + (float) rnd.nextGaussian() * 0.01f, 1);
        float[] a = WeightedKMeans.fit(h, 4, 42), b = WeightedKMeans.fit(h, 4, 42);
        assertThat(a).containsExactly(b);
        for (int i = 0; i < 4; i++) assertThat((double) a[i]).isCloseTo(truth[i], org.assertj.core.data.Offset.offset(0.01));
        // the same fit from a parallel run over many tensors
        Palettizer.Source src = matrix("m", 64, 48, 9);
        try (ForkJoinPool one = new ForkJoinPool(1); ForkJoinPool two = new ForkJoinPool(2)) {
            Palettizer.Options o = new Palettizer.Options(3, 16, TensorType.F32, 5);
            List<Palettizer.Source> many = new ArrayList<>();
            for (int i = 0; i < 6; i++) many.add(matrix("t" + i, 64, 48, i));
            many.add(src);
            assertThat(Palettizer.fit(many, null, o, two).getLast().lut())
                    .containsExactly(Palettizer.fit(List.of(src), null, o, one).getFirst().lut());
        }
    }

    @Test
    void importanceWeightingLowersTheWeightedError() {
        Palettizer.Source src = matrix("w", 32, 64, 11);
        float[] importance = new float[64];
        for (int c = 0; c < 64; c++) importance[c] = c < 8 ? 100f : 0.1f;   // a few hot input channels
        try (ForkJoinPool pool = new ForkJoinPool(2)) {
            Palettizer.Options o = new Palettizer.Options(3, 0, TensorType.F32, 1);
            Palettizer.Fitted plain = Palettizer.fit(List.of(src), null, o, pool).getFirst();
            List<float[]> imp = new ArrayList<>();
            imp.add(importance);
            Palettizer.Fitted weighted = Palettizer.fit(List.of(src), imp, o, pool).getFirst();
            double ew = Palettizer.weightedError(weighted, importance), ep = Palettizer.weightedError(plain, importance);
            assertThat(ew).isLessThan(ep);
            // and the unweighted error is what plain k-means minimises
            assertThat(Palettizer.weightedError(plain, null)).isLessThan(Palettizer.weightedError(weighted, null));
        }
    }

    @Test
    void impossibleRequestsFailClearly() {
        assertThatThrownBy(() -> new Palettizer.Options(1, 0, TensorType.F16, 1))
                .isInstanceOf(WeightclassException.class).hasMessageContaining("bits must be 2..8");
        assertThatThrownBy(() -> new Palettizer.Options(9, 0, TensorType.F16, 1))
                .isInstanceOf(WeightclassException.class).hasMessageContaining("bits must be 2..8");
        assertThatThrownBy(() -> new Palettizer.Options(4, 5, TensorType.F16, 1).groupFor("blk.0.ffn_gate.weight", 172))
                .isInstanceOf(WeightclassException.class).hasMessageContaining("--group 5 does not divide the 172 rows");
    }

    /** A random F32 matrix with a heavy-tailed spread, as trained weights have. */
    static Palettizer.Source matrix(String name, int rows, int cols, long seed) {
        Random rnd = new Random(seed);
        ByteBuffer b = ByteBuffer.allocate(rows * cols * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < rows * cols; i++) {
            double g = rnd.nextGaussian();
            b.putFloat((float) (g * (rnd.nextInt(10) == 0 ? 0.2 : 0.05)));
        }
        return new Palettizer.Source(name, TensorType.F32, rows, cols, MemorySegment.ofArray(b.array()));
    }
}
