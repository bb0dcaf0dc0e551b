package dev.weightclass.web;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Concurrent clients on loopback, bounded in count: every request answers 200 with the same body
 * as a lone request. Requests/s and latency percentiles go to target/web-load.txt (figures only,
 * no timing asserts).
 */
class WebLoadTest {

    static final int CLIENTS = 8, REQUESTS_PER_CLIENT = 60;

    @Test
    void concurrentClientsGetCorrectAnswersAndNoErrors() throws Exception {
        try (WebApp app = WebApp.start("127.0.0.1", 0, null);
             HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()) {
            String base = "http://127.0.0.1:" + app.port();
            List<String> paths = List.of("/api/models/tinyllama-1.1b/size", "/static/app.css", "/api/models",
                    "/api/probe?model=tinyllama-1.1b&deviceMemory=8&maxBufferSize=2147483648&maxStorageBufferBindingSize=134217728");
            List<String> expected = new ArrayList<>();
            for (String p : paths) expected.add(get(http, base + p).body());   // warms the caches too
            ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
            List<Future<List<Long>>> clients = new ArrayList<>();
            long start = System.nanoTime();
            for (int c = 0; c < CLIENTS; c++) {
                int offset = c;
                clients.add(pool.submit(() -> {
                    List<Long> lat = new ArrayList<>();
                    for (int i = 0; i < REQUESTS_PER_CLIENT; i++) {
                        int k = (i + offset) % paths.size();
                        long t0 = System.nanoTime();
                        HttpResponse<String> r = get(http, base + paths.get(k));
                        lat.add(System.nanoTime() - t0);
                        assertThat(r.statusCode()).isEqualTo(200);
                        assertThat(r.body()).isEqualTo(expected.get(k));
                    }
                    return lat;
                }));
            }
            List<Long> all = new ArrayList<>();
            for (Future<List<Long>> f : clients) all.addAll(f.get());
            double seconds = (System.nanoTime() - start) / 1e9;
            pool.shutdown();
            assertThat(all).hasSize(CLIENTS * REQUESTS_PER_CLIENT);
            Collections.sort(all);
            String line = String.format(Locale.ROOT, "%d clients x %d requests: %.0f requests/s, latency p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                    CLIENTS, REQUESTS_PER_CLIENT, all.size() / seconds, pct(all, 0.50), pct(all, 0.95), pct(all, 0.99),
                    all.getLast() / 1e6);
            Files.createDirectories(Path.of("target"));
            Files.writeString(Path.of("target", "web-load.txt"), line);
            System.out.print("web load: " + line);
        }
    }

    static HttpResponse<String> get(HttpClient http, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static double pct(List<Long> sorted, double p) {
        return sorted.get((int) Math.min(sorted.size() - 1, Math.floor(p * sorted.size()))) / 1e6;
    }
}
