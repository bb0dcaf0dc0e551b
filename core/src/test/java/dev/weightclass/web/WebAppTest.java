package dev.weightclass.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weightclass.SharedData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The JSON API against the CLI, and the server's safety: traversal, sizes, host, read-only files. */
class WebAppTest {

    static final String Q4 = "aidreams260K-q4_0.gguf";
    static final String CATALOG = "tinyllama-1.1b";
    static Path root, models, secret;
    static WebApp app;
    static final ObjectMapper OM = new ObjectMapper();

    @BeforeAll
    static void start() throws Exception {
        root = Files.createTempDirectory("wc-web");
        models = Files.createDirectories(root.resolve("models"));
        secret = Files.writeString(root.resolve("secret.gguf"), "root:x:0:0: not for the web");
        Path real = SharedData.root().resolve("data/aidreams260K/" + Q4);
        if (Files.exists(real)) Files.copy(real, models.resolve(Q4));
        Files.createSymbolicLink(models.resolve("evil.gguf"), secret);
        app = WebApp.start("127.0.0.1", 0, models);
    }

    @AfterAll
    static void stop() throws Exception {
        if (app != null) app.close();
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    static JsonNode api(String path) throws Exception {
        RawHttp.Response r = RawHttp.get(app.port(), path);
        assertThat(r.status()).as(path + ": " + r.text()).isEqualTo(200);
        assertThat(r.head()).containsIgnoringCase("content-type: application/json");
        return OM.readTree(r.body());
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Test
    void sizeAndFitApiAreTheCliJson() throws Exception {
        assertThat(api("/api/models/" + CATALOG + "/size")).isEqualTo(Cli.json("size", CATALOG, "--json"));
        JsonNode web = api("/api/models/" + CATALOG + "/fit?runtime=webgpu&ctx=2048&device=" + enc("Pixel 8") + "&device=" + enc("iPhone 13"));
        JsonNode cli = Cli.json("fit", CATALOG, "--runtime", "webgpu", "--ctx", "2048", "--device", "Pixel 8", "--device", "iPhone 13", "--json");
        assertThat(web).isEqualTo(cli);
        assertThat(web.get("results").size()).isGreaterThan(4);
        JsonNode all = api("/api/models/" + CATALOG + "?runtime=webgpu&ctx=2048&device=" + enc("Pixel 8") + "&device=" + enc("iPhone 13"));
        assertThat(all.get("fit").get(0)).isEqualTo(cli);
        assertThat(all.get("inspect").isNull()).isTrue();
    }

    @Test
    void inspectApiIsTheCliJsonForAFolderModel() throws Exception {
        Path real = SharedData.data("aidreams260K/" + Q4);
        JsonNode web = api("/api/models/" + Q4 + "/inspect");
        JsonNode cli = Cli.json("inspect", real.toString(), "--json");
        assertThat(web).isEqualTo(cli);
        assertThat(web.get("parameters").asLong()).isEqualTo(230_976L);
        JsonNode list = api("/api/models");
        assertThat(list.get("models").findValuesAsText("id")).containsExactly(Q4);   // not the symlink out
        assertThat(list.get("catalog").findValuesAsText("id")).contains(CATALOG);
    }

    @Test
    void probeVerdictIsWhatFitComputesForTheSameDeviceFile() throws Exception {
        String q = "/api/probe?model=" + CATALOG + "&deviceMemory=8&maxBufferSize=2147483648"
                + "&maxStorageBufferBindingSize=67108864&storageQuota=5000000000&downlink=20&ctx=2048";
        JsonNode web = api(q);
        Path devices = Files.writeString(root.resolve("this-browser.json"), OM.writeValueAsString(web.get("cli_devices_file")));
        JsonNode cli = Cli.json("fit", CATALOG, "--devices", devices.toString(), "--device", BrowserProbe.DEVICE_NAME,
                "--runtime", "webgpu", "--ctx", "2048", "--network", "20Mbps", "--json");
        assertThat(web.get("fit")).isEqualTo(cli);
        assertThat(web.get("cli").asText()).contains("--network 20Mbps").contains("--ctx 2048");
        // a 64 MiB binding limit rejects the 16-bit token embedding, 4-bit variants still fit in 8 GiB
        List<String> limits = cli.get("results").findValuesAsText("binding_limit");
        assertThat(limits).contains("tensor_binding");
        assertThat(cli.get("results").findValues("fits")).anyMatch(JsonNode::asBoolean);
        assertThat(cli.get("recommendations").get(0).get("variant").isNull()).isFalse();
    }

    @Test
    void probeWithoutWebGpuSaysSoForEveryVariant() throws Exception {
        JsonNode web = api("/api/probe?model=" + CATALOG + "&deviceMemory=4");
        assertThat(web.get("fit").get("results").findValuesAsText("binding_limit")).containsOnly("no_webgpu");
        assertThat(web.get("assumptions").toString()).contains("no WebGPU");
        RawHttp.Response bad = RawHttp.get(app.port(), "/api/probe?model=" + CATALOG + "&deviceMemory=lots");
        assertThat(bad.status()).isEqualTo(422);
        assertThat(bad.text()).contains("deviceMemory must be a number");
    }

    @Test
    void traversalInEveryEncodingIsRefused() throws Exception {
        String[] attempts = {
                "/files/../../../../etc/passwd", "/files/..%2f..%2f..%2fetc%2fpasswd", "/files/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
                "/files/%2E%2E/%2E%2E/etc/passwd", "/files/%252e%252e%252fetc%252fpasswd", "/files/..%255c..%255cetc%255cpasswd",
                "/files/..%5c..%5cetc%5cpasswd", "/files/..\\..\\etc\\passwd", "/files/%2fetc%2fpasswd", "/files//etc/passwd",
                "/files/evil.gguf", "/files/..%2fsecret.gguf", "/files/%2e%2e%2fsecret.gguf", "/files/%00" + Q4,
                "/api/models/..%2f..%2fetc%2fpasswd/inspect", "/api/models/%2Fetc%2Fpasswd/inspect", "/api/models/evil.gguf/inspect",
                "/api/models/..%2fsecret.gguf/inspect", "/model?m=..%2fsecret.gguf", "/model?m=%2Fetc%2Fpasswd",
                "/model?m=%252e%252e%252fsecret.gguf", "/api/probe?model=..%2fsecret.gguf&deviceMemory=4",
                "/static/..%2f..%2fpom.xml", "/static/../index.html", "/compare?v=..%2fsecret.gguf&v=x"};
        for (String a : attempts) {
            RawHttp.Response r = RawHttp.get(app.port(), a);
            assertThat(r.status()).as(a + " -> " + r.text()).isIn(400, 404);
            assertThat(r.text()).as(a).doesNotContain("root:").doesNotContain("not for the web");
        }
        Path real = SharedData.data("aidreams260K/" + Q4);
        RawHttp.Response ok = RawHttp.get(app.port(), "/files/" + Q4);
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo(Files.readAllBytes(real));
    }

    @Test
    void oversizedBodiesAndHeadersAreRefused() throws Exception {
        byte[] big = new byte[WebApp.MAX_BODY_BYTES + 1000];
        java.util.Arrays.fill(big, (byte) ' ');
        RawHttp.Response withLength = RawHttp.send(app.port(), "POST /api/probe HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + big.length + "\r\nConnection: close\r\n\r\n", big);
        assertThat(withLength.status()).isEqualTo(413);
        // no Content-Length: the body is read with a bound, not to its end
        StringBuilder chunked = new StringBuilder();
        for (int i = 0; i < 20; i++) chunked.append("400\r\n").append(" ".repeat(1024)).append("\r\n");
        chunked.append("0\r\n\r\n");
        RawHttp.Response noLength = RawHttp.send(app.port(), "POST /api/probe HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
                chunked.toString().getBytes(StandardCharsets.ISO_8859_1));
        assertThat(noLength.status()).isEqualTo(413);
        RawHttp.Response header = RawHttp.send(app.port(), "GET /api/models HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: "
                + "a".repeat(WebApp.MAX_HEADER_BYTES + 100) + "\r\nConnection: close\r\n\r\n", null);
        assertThat(header.status()).isEqualTo(431);
        RawHttp.Response url = RawHttp.get(app.port(), "/api/models/" + "a".repeat(WebApp.MAX_HEADER_BYTES + 100));
        assertThat(url.status()).isIn(414, 431);
        RawHttp.Response badJson = RawHttp.send(app.port(), "POST /api/probe HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Content-Type: application/json\r\nContent-Length: 5\r\nConnection: close\r\n\r\n", "{nope".getBytes());
        assertThat(badJson.status()).isEqualTo(400);
    }

    @Test
    void onlyLoopbackHostNamesAreServed() throws Exception {
        RawHttp.Response r = RawHttp.send(app.port(), "GET /api/models HTTP/1.1\r\nHost: attacker.example:80\r\nConnection: close\r\n\r\n", null);
        assertThat(r.status()).isEqualTo(403);
        RawHttp.Response ok = RawHttp.send(app.port(), "GET /api/models HTTP/1.1\r\nHost: localhost:" + app.port() + "\r\nConnection: close\r\n\r\n", null);
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.head()).containsIgnoringCase("content-security-policy: default-src 'self'");
        assertThat(WebApp.hostName("[::1]:8077")).isEqualTo("[::1]");
    }

    @Test
    void pagesAndApiLeaveModelFilesUntouched() throws Exception {
        SharedData.data("aidreams260K/" + Q4);
        Map<String, String> before = fingerprints();
        for (String p : new String[] {"/", "/model?m=" + Q4, "/api/models/" + Q4, "/api/models/" + Q4 + "/export",
                "/api/models/" + Q4 + "/charts/size.svg", "/api/models/" + Q4 + "/charts/memory.svg?runtime=webgpu",
                "/compare?v=" + Q4 + "&v=" + Q4 + ":int8", "/api/compare?v=" + Q4 + "&v=" + Q4 + ":int8", "/files/" + Q4}) {
            assertThat(RawHttp.get(app.port(), p).status()).as(p).isEqualTo(200);
        }
        assertThat(fingerprints()).isEqualTo(before);
    }

    @Test
    void unknownModelsAndBadCompareRequestsAreClearErrors() throws Exception {
        RawHttp.Response r = RawHttp.get(app.port(), "/api/models/no-such-model/size");
        assertThat(r.status()).isEqualTo(404);
        assertThat(OM.readTree(r.body()).get("error").asText()).contains("no-such-model");
        assertThat(RawHttp.get(app.port(), "/api/compare?v=" + CATALOG).status()).isEqualTo(400);
        assertThat(RawHttp.get(app.port(), "/api/compare?v=" + CATALOG + ":Q9_9&v=" + CATALOG).status()).isEqualTo(404);
    }

    static Map<String, String> fingerprints() throws Exception {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                byte[] d = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p));
                m.put(p.toString(), HexFormat.of().formatHex(d) + "@" + Files.getLastModifiedTime(p).toMillis());
            }
        }
        return m;
    }
}
