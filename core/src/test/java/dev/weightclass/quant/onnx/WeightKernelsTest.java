package dev.weightclass.quant.onnx;

import com.google.protobuf.CodedOutputStream;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static org.assertj.core.api.Assertions.assertThat;

/** The three weight encodings on values worked out by hand. */
class WeightKernelsTest {

    @Test
    void int4BlockMapsTheLargestMagnitudeToCodeZeroAndPacksLowNibbleFirst() {
        float[] x = new float[32];
        x[0] = -2f;     // largest magnitude: scale = -2 / -8 = 0.25, code 0
        x[1] = 1f;      // 1 / 0.25 = 4, + 8 = 12
        x[2] = 0.5f;    // 2 + 8 = 10
        x[31] = 1.5f;   // 6 + 8 = 14
        byte[] out = new byte[16];
        float scale = Int4Blocks.quantizeBlock(x, 0, out, 0);
        assertThat(scale).isEqualTo(0.25f);
        assertThat(out[0] & 0xff).isEqualTo(12 << 4);       // codes 0 (low), 12 (high)
        assertThat(out[1] & 0xff).isEqualTo(8 << 4 | 10);   // codes 10 (low), 8 = zero (high)
        assertThat(out[15] & 0xff).isEqualTo(14 << 4 | 8);  // codes 8 (low), 14 (high)
        assertThat((0 - 8) * scale).isEqualTo(-2f);         // dequantized exactly
    }

    @Test
    void int8ChannelsAreSymmetricPerOutputColumnWhicheverWayTheWeightIsStored() throws IOException {
        // W(k, n) for K = 3 inputs, N = 2 outputs; column 0 has max |w| 1.27 -> scale 0.01
        float[][] w = {{0.5f, 2f}, {-1.27f, -1f}, {0.3f, 0.25f}};
        float[] inputMajor = {w[0][0], w[0][1], w[1][0], w[1][1], w[2][0], w[2][1]};
        float[] outputMajor = {w[0][0], w[1][0], w[2][0], w[0][1], w[1][1], w[2][1]};
        byte[] a = int8(new WeightView(segment(inputMajor), 3, 2, false));
        byte[] b = int8(new WeightView(segment(outputMajor), 3, 2, true));
        // column 1: scale 2 / 127; 2 -> 127, -1 -> rint(-63.5) = -64, 0.25 -> rint(15.875) = 16
        assertThat(a).containsExactly(50, 127, -127, -64, 30, 16);
        assertThat(b).isEqualTo(a);
        float[] s = Int8Channels.scales(new WeightView(segment(inputMajor), 3, 2, false), Int8Channels.QMAX, Chunks.SERIAL);
        assertThat(s[0]).isEqualTo(1.27f / 127);
        assertThat(Int8Channels.quantize(-1f, 2f / 64, Int8Channels.QMAX_REDUCED)).isEqualTo((byte) -32);
        assertThat(Int8Channels.quantize(5f, 2f / 64, Int8Channels.QMAX_REDUCED)).isEqualTo((byte) 64);
    }

    @Test
    void uint8TableKeepsZeroExact() throws IOException {
        MemorySegment seg = segment(new float[] {-1f, 0f, 3f});
        Uint8Table.Params p = Uint8Table.params(seg, Chunks.SERIAL);
        assertThat(p.scale()).isEqualTo(4f / 255);
        assertThat(p.zeroPoint()).isEqualTo(64); // rint(1 / (4 / 255)) = rint(63.75)
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        Uint8Table.write(seg, p, out, Chunks.SERIAL);
        out.flush();
        assertThat(bytes.toByteArray()).containsExactly(0, 64, (byte) 255);
    }

    private static byte[] int8(WeightView v) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        Int8Channels.write(v, Int8Channels.scales(v, Int8Channels.QMAX, Chunks.SERIAL), Int8Channels.QMAX, out, Chunks.SERIAL);
        out.flush();
        return bytes.toByteArray();
    }

    private static MemorySegment segment(float[] v) {
        MemorySegment s = MemorySegment.ofArray(new byte[4 * v.length]);
        for (int i = 0; i < v.length; i++) s.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i, v[i]);
        return s;
    }
}
