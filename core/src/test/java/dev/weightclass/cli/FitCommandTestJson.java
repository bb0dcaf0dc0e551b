package dev.weightclass.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import static org.assertj.core.api.Assertions.assertThat;

/** A CLI command's --json output, parsed (the command must succeed). */
final class FitCommandTestJson {
    private FitCommandTestJson() {}

    static JsonNode of(String... args) throws Exception {
        FitCommandTest.Run r = FitCommandTest.run(args);
        assertThat(r.code()).as(String.join(" ", args) + ": " + r.err()).isZero();
        return new ObjectMapper().readTree(r.out());
    }
}
