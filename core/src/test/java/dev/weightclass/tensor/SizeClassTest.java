package dev.weightclass.tensor;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SizeClassTest {
    @ParameterizedTest
    @CsvSource({
            "6738415616, 6.7B",
            "230976, 231K",
            "260032, 260K",
            "22713216, 23M",
            "1100048384, 1.1B",
            "494032768, 494M",
            "7241732096, 7.2B",
            "70553706496, 71B",
            "124439808, 124M",
            "1000, 1.0K",
            "999, 1.0K",
            "1000000, 1000K",
            "1000001, 1.0M",
            "0, 0.00K",
    })
    void labelsLikeGguf(long params, String label) {
        assertThat(SizeClass.label(params)).isEqualTo(label);
    }

    @Test
    void mixtureOfExperts() {
        // Mixtral-8x7B: 1.6B shared + 5.64B per expert over all layers.
        assertThat(SizeClass.moeLabel(1_602_625_536L, 5_637_144_576L, 8)).isEqualTo("8x7.2B");
    }
}
