package dev.weightclass.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weightclass.cli.Main;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs the CLI in-process and parses its --json output: what the web app must agree with. */
final class Cli {
    private Cli() {}

    static JsonNode json(String... args) throws Exception {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        assertThat(code).as("weightclass %s: %s", String.join(" ", args), err).isZero();
        return new ObjectMapper().readTree(out.toString());
    }
}
