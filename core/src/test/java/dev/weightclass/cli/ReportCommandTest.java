package dev.weightclass.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weightclass.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class ReportCommandTest {

    static final ObjectMapper OM = new ObjectMapper();

    @Test
    void selfContainedHtmlWithTheCliFiguresAndAParetoChart(@TempDir Path dir) throws Exception {
        Path q8 = SharedData.data("aidreams260K/aidreams260K-q8_0.gguf");
        Path q4 = SharedData.data("aidreams260K/aidreams260K-q4_0.gguf");
        Path f32 = SharedData.data("aidreams260K/aidreams260K-f32.gguf");
        // eval --json per variant plus bytes (figures from the data's golden_outputs.json README)
        Path results = Files.writeString(dir.resolve("results.json"), """
                {"variants": [
                  {"model": "%s", "perplexity": 5.780, "mean_kl": 0.0},
                  {"model": "%s", "perplexity": 5.782, "mean_kl": 0.0001},
                  {"model": "%s", "perplexity": 5.919, "mean_kl": 0.026},
                  {"name": "worse-and-bigger", "bytes": %d, "perplexity": 6.5}
                ]}""".formatted(f32, q8, q4, Files.size(q8) + 10));
        Path html = dir.resolve("report.html");
        Path pngs = dir.resolve("charts");
        FitCommandTest.Run r = FitCommandTest.run("report", q8.toString(), q4.toString(), "-o", html.toString(),
                "--eval", results.toString(), "--device", "Pixel 8", "--device", "iPhone 13", "--ctx", "128",
                "--json", "--png", pngs.toString());
        assertThat(r.code()).as(r.err()).isZero();
        String page = Files.readString(html);

        assertWellFormed(page);
        // nothing to fetch: no URL of any scheme, no external src/href
        assertThat(page).doesNotContain("http://").doesNotContain("https://").doesNotContainPattern("(src|href)=\"//");
        assertThat(page).doesNotContainPattern("<(script|link|img|iframe)[^>]+(src|href)=");

        // the figures are the CLI's own
        JsonNode data = OM.readTree(r.out());
        for (Path model : List.of(q8, q4)) {
            JsonNode size = FitCommandTestJson.of("size", model.toString(), "--json");
            for (JsonNode v : size.get("variants")) {
                if (v.get("bytes").asLong() < 0) continue;
                assertThat(page).contains(String.format(Locale.ROOT, "%,d", v.get("bytes").asLong()));
            }
            assertThat(page).contains(String.format(Locale.ROOT, "%,d", size.get("parameters").asLong()));
            for (String rt : List.of("llama.cpp", "webgpu")) {
                JsonNode fit = FitCommandTestJson.of("fit", model.toString(), "--runtime", rt, "--device", "Pixel 8",
                        "--device", "iPhone 13", "--ctx", "128", "--json");
                JsonNode embedded = null;
                for (JsonNode m : data.get("models")) {
                    if (m.get("model").asText().equals(model.toString())) {
                        for (JsonNode f : m.get("fit")) if (f.get("runtime").asText().equals(rt)) embedded = f;
                        assertThat(m.get("size")).isEqualTo(size);
                        assertThat(m.get("inspect")).isEqualTo(FitCommandTestJson.of("inspect", model.toString(), "--json"));
                    }
                }
                assertThat(embedded).as(rt).isEqualTo(fit);
                for (JsonNode rec : fit.get("recommendations")) assertThat(page).contains(escape(rec.get("text").asText()));
            }
        }
        // the embedded data block is the --json output
        Matcher m = Pattern.compile("<script type=\"application/json\" id=\"weightclass-data\">(.*?)</script>", Pattern.DOTALL).matcher(page);
        assertThat(m.find()).isTrue();
        assertThat(OM.readTree(m.group(1).replace("<\\/", "</"))).isEqualTo(data);

        // charts: per model a size chart and one memory chart per runtime, plus quality versus size
        assertThat(countOf(page, "<svg")).isEqualTo(2 * 3 + 1);
        JsonNode eval = data.get("eval");
        assertThat(eval.get("metric").asText()).isEqualTo("perplexity");
        // sorted by size; "worse-and-bigger" is beaten by the smaller q8, f32 is largest but best: on the front
        assertThat(eval.get("variants").findValuesAsText("name")).containsExactly("aidreams260K-q4_0.gguf",
                "aidreams260K-q8_0.gguf", "worse-and-bigger", "aidreams260K-f32.gguf");
        assertThat(eval.get("variants").findValues("pareto").stream().map(JsonNode::asBoolean))
                .containsExactly(true, true, false, true);
        assertThat(page).contains("Pareto front");
        try (var files = Files.list(pngs)) {
            List<Path> list = files.toList();
            assertThat(list).hasSize(2 * 3 + 1);
            for (Path p : list) assertThat(Files.readAllBytes(p)[1]).isEqualTo((byte) 'P');
        }
    }

    @Test
    void badEvalFileIsOneLineAndWritesNothing(@TempDir Path dir) throws Exception {
        Path results = Files.writeString(dir.resolve("results.json"), "{\"variants\": [{\"name\": \"x\", \"bytes\": 5}]}");
        Path html = dir.resolve("r.html");
        FitCommandTest.Run r = FitCommandTest.run("report", "tinyllama-1.1b", "-o", html.toString(), "--eval",
                results.toString(), "--device", "Pixel 8");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).contains("variant 1 (x)").doesNotContain("\n").doesNotContain("Exception");
        assertThat(html).doesNotExist();
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;").replace("'", "&#39;");
    }

    static int countOf(String s, String needle) {
        int n = 0;
        for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) n++;
        return n;
    }

    static final Set<String> VOID = Set.of("meta", "link", "br", "hr", "img", "input", "col", "area", "base", "wbr", "source");

    /**
     * Every element outside SVG closes in order (void elements excepted), and every inline SVG
     * parses as XML: a page a browser and an XML tool both read the same way.
     */
    static void assertWellFormed(String page) throws Exception {
        assertThat(page).startsWith("<!DOCTYPE html>");
        Matcher svg = Pattern.compile("<svg.*?</svg>", Pattern.DOTALL).matcher(page);
        StringBuilder rest = new StringBuilder();
        int last = 0;
        var factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        while (svg.find()) {
            factory.newDocumentBuilder().parse(new ByteArrayInputStream(svg.group().getBytes(StandardCharsets.UTF_8)));
            rest.append(page, last, svg.start()).append("<svg></svg>");
            last = svg.end();
        }
        rest.append(page.substring(last));
        String html = rest.toString().replaceAll("(?s)<script type=\"application/json\"[^>]*>.*?</script>", "")
                .replaceAll("(?s)<style>.*?</style>", "");
        Matcher tag = Pattern.compile("<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*?(/?)>").matcher(html);
        Deque<String> open = new ArrayDeque<>();
        while (tag.find()) {
            String name = tag.group(2).toLowerCase(Locale.ROOT);
            if (VOID.contains(name) || !tag.group(3).isEmpty()) continue;
            if (tag.group(1).isEmpty()) {
                open.push(name);
            } else {
                assertThat(open).as("closing </%s> at %d", name, tag.start()).isNotEmpty();
                assertThat(open.pop()).as("element closed at %d", tag.start()).isEqualTo(name);
            }
        }
        assertThat(open).as("unclosed elements").isEmpty();
    }
}
