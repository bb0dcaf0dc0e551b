package dev.weightclass.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

class HelpTest {
    @Test
    void everyCommandExplainsItselfWithHelp() {
        var names = new CommandLine(new Main()).getSubcommands().keySet();
        assertThat(names).contains("inspect", "size", "fit", "pick", "quantize", "run", "eval", "bench", "tokenize", "demo");
        for (String name : names) {
            if (name.equals("help")) continue;
            StringWriter out = new StringWriter(), err = new StringWriter();
            int code = Main.run(new String[] {name, "--help"}, new PrintWriter(out), new PrintWriter(err));
            assertThat(code).as(name).isZero();
            assertThat(out.toString()).as(name).contains("Usage: weightclass " + name);
            assertThat(err.toString()).as(name).isEmpty();
        }
    }

    @Test
    void commandListShowsWholeFirstSentences() {
        StringWriter out = new StringWriter();
        assertThat(Main.run(new String[] {}, new PrintWriter(out), new PrintWriter(new StringWriter()))).isZero();
        assertThat(out.toString()).containsPattern("\\n  inspect +How big is it\\?" + System.lineSeparator());
    }
}
