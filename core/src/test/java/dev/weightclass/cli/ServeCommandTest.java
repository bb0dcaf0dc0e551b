package dev.weightclass.cli;

import dev.weightclass.web.WebApp;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class ServeCommandTest {

    @Test
    void printsTheLoopbackAddressItServesOnAndWarnsOnlyWhenAHostIsGiven() throws Exception {
        StringWriter out = new StringWriter(), err = new StringWriter();
        try (WebApp app = ServeCommand.start(null, 0, null, new PrintWriter(out), new PrintWriter(err));
             HttpClient http = HttpClient.newHttpClient()) {
            Matcher m = Pattern.compile("serving on (http://127\\.0\\.0\\.1:(\\d+)/)").matcher(out.toString());
            assertThat(m.find()).as(out.toString()).isTrue();
            assertThat(Integer.parseInt(m.group(2))).isEqualTo(app.port());
            assertThat(err.toString()).isEmpty();
            var r = http.send(HttpRequest.newBuilder(URI.create(m.group(1) + "api/models")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
        }
        StringWriter err2 = new StringWriter();
        try (WebApp app = ServeCommand.start("127.0.0.1", 0, null, new PrintWriter(new StringWriter()), new PrintWriter(err2))) {
            assertThat(err2.toString()).startsWith("warning: --host 127.0.0.1 given").contains("loopback");
        }
    }

    @Test
    void badArgumentsAreOneLine() {
        FitCommandTest.Run r = FitCommandTest.run("serve", "--port", "70000");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--port must be 0..65535");
        r = FitCommandTest.run("serve", "--models", "/no/such/folder");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("not a folder");
    }
}
