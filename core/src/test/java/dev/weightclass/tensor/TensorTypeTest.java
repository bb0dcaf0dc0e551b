package dev.weightclass.tensor;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TensorTypeTest {
    @Test
    void ggmlIdsRoundTrip() {
        for (TensorType t : TensorType.values()) {
            if (t.isGgml()) assertThat(TensorType.fromGgmlId(t.ggmlId())).contains(t);
        }
        assertThat(TensorType.fromGgmlId(4)).isEmpty(); // removed Q4_2
        assertThat(TensorType.fromGgmlId(31)).isEmpty(); // removed Q4_0_4_4
        assertThat(TensorType.fromGgmlId(40)).isEmpty();
        assertThat(TensorType.fromGgmlId(-1)).isEmpty();
    }

    @Test
    void blockLayoutsMatchGgml() {
        // bits per weight of the well-known types
        assertThat(TensorType.Q4_0.bitsPerWeight()).isEqualTo(4.5);
        assertThat(TensorType.Q8_0.bitsPerWeight()).isEqualTo(8.5);
        assertThat(TensorType.Q4_K.bitsPerWeight()).isEqualTo(4.5);
        assertThat(TensorType.Q6_K.bitsPerWeight()).isEqualTo(6.5625);
        assertThat(TensorType.Q2_K.bitsPerWeight()).isEqualTo(2.625);
        assertThat(TensorType.IQ4_XS.bitsPerWeight()).isEqualTo(4.25);
        assertThat(TensorType.TQ1_0.bitsPerWeight()).isEqualTo(1.6875);
        assertThat(TensorType.MXFP4.bitsPerWeight()).isEqualTo(4.25);
        assertThat(TensorType.F6_E2M3.bytesFor(8)).isEqualTo(6);
        assertThat(TensorType.F4.bytesFor(3)).isEqualTo(-1);
    }

    @Test
    void quantizedFlag() {
        assertThat(TensorType.Q4_K.isQuantized()).isTrue();
        assertThat(TensorType.IQ4_NL.isQuantized()).isTrue();
        assertThat(TensorType.MXFP4.isQuantized()).isTrue();
        assertThat(TensorType.F16.isQuantized()).isFalse();
        assertThat(TensorType.F4.isQuantized()).isFalse();
    }

    @Test
    void namesAreCaseInsensitive() {
        assertThat(TensorType.fromName("q4_k")).contains(TensorType.Q4_K);
        assertThat(TensorType.fromName("nope")).isEmpty();
    }
}
