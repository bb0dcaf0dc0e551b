package dev.weightclass.quant;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class HalfTest {

    @Test
    void fp16MatchesIeeeRoundToNearestEvenForEveryNonNanInput() {
        SplittableRandom rnd = new SplittableRandom(7);
        float[] edges = {0f, -0f, 65504f, 65519.99f, 65520f, -65520f, 6.1035156e-5f, 5.9604645e-8f,
                2.9802322e-8f, 2.9802326e-8f, 1.0009766f, 1.0004883f, 1.0014648f, Float.MIN_VALUE,
                Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        for (float f : edges) {
            assertThat(Half.fromFloat(f)).as("%s", f).isEqualTo(Float.floatToFloat16(f));
        }
        for (int i = 0; i < 2_000_000; i++) {
            float f = Float.intBitsToFloat(rnd.nextInt());
            if (Float.isNaN(f)) continue;
            if (Half.fromFloat(f) != Float.floatToFloat16(f)) {
                assertThat(Half.fromFloat(f)).as("%s", f).isEqualTo(Float.floatToFloat16(f));
            }
        }
    }

    @Test
    void fp16NanIsCanonicalQuietNanWithSign() {
        assertThat(Half.fromFloat(Float.intBitsToFloat(0x7f800001))).isEqualTo((short) 0x7E00);
        assertThat(Half.fromFloat(Float.intBitsToFloat(0xffc12345))).isEqualTo((short) 0xFE00);
    }

    @Test
    void bf16RoundsToNearestEvenAndQuietsNan() {
        SplittableRandom rnd = new SplittableRandom(11);
        for (int i = 0; i < 1_000_000; i++) {
            int u = rnd.nextInt();
            float f = Float.intBitsToFloat(u);
            short h = Half.bf16FromFloat(f);
            if (Float.isNaN(f)) {
                if (!Float.isNaN(Half.bf16ToFloat(h)) || (h & 0x40) == 0) {
                    assertThat(h & 0xFFFF).as("quiet NaN for %08x", u).isEqualTo((u >>> 16) | 0x40);
                }
                continue;
            }
            int lo = u & 0xFFFF0000, hi = lo + 0x10000;
            double dl = Math.abs((double) Float.intBitsToFloat(lo) - f);
            double dh = (hi & 0x7F800000) == 0x7F800000 && (lo & 0x7F800000) != 0x7F800000
                    ? Math.abs(Math.scalb(1.0, 128) * Math.signum(f) - f) // rounding up to infinity
                    : Math.abs((double) Float.intBitsToFloat(hi) - f);
            int want = dl < dh ? lo : dh < dl ? hi : ((lo >>> 16) & 1) == 0 ? lo : hi;
            if ((h & 0xFFFF) != want >>> 16) assertThat(h & 0xFFFF).as("%s", f).isEqualTo(want >>> 16);
        }
        assertThat(Half.bf16ToFloat(Half.bf16FromFloat(1.00390625f))).isEqualTo(1.0f); // tie to even
        assertThat(Half.bf16ToFloat(Half.bf16FromFloat(1.01171875f))).isEqualTo(1.015625f); // tie to even, up
    }
}
