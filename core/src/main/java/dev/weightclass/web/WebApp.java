package dev.weightclass.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.weightclass.WeightclassException;
import dev.weightclass.cli.SizeCommand;
import dev.weightclass.compress.Bandwidth;
import dev.weightclass.fit.Device;
import dev.weightclass.fit.DeviceCatalog;
import dev.weightclass.fit.FitReport;
import dev.weightclass.fit.InferenceRuntime;
import dev.weightclass.fit.LoadedModel;
import dev.weightclass.fit.MemoryChart;
import dev.weightclass.fit.ModelVariants;
import dev.weightclass.format.ModelFile;
import dev.weightclass.report.Charts;
import dev.weightclass.report.HtmlReport;
import dev.weightclass.report.ModelReport;
import dev.weightclass.size.ModelInspection;
import dev.weightclass.size.SizeChart;
import dev.weightclass.size.SizeEstimator;
import dev.weightclass.size.SizeReport;
import io.javalin.Javalin;
import io.javalin.http.Context;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import static dev.weightclass.report.Html.esc;

/**
 * {@code weightclass serve}: the local web app. Pages are plain HTML with the shared stylesheet
 * and small vanilla-JS modules served from the jar; every figure a page shows comes from the JSON
 * API under /api, which returns the CLI's --json objects. The server only reads: model files are
 * opened read-only and only from the models folder.
 */
public final class WebApp implements AutoCloseable {

    /** Request bodies larger than this are refused (413): the API's bodies are a few hundred bytes. */
    public static final int MAX_BODY_BYTES = 16 * 1024;
    /** Request line plus headers larger than this are refused by Jetty (431). */
    public static final int MAX_HEADER_BYTES = 8 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Set<String> STATIC = Set.of("app.css", "index.js", "device.js", "pick-variant.js");
    private static final Set<String> LOOPBACK_NAMES = Set.of("localhost", "127.0.0.1", "[::1]", "::1");

    private final Javalin app;
    private final ModelLibrary library;
    private final DeviceCatalog devices = DeviceCatalog.builtIn();
    private final boolean loopback;

    private WebApp(ModelLibrary library, boolean loopback) {
        this.library = library;
        this.loopback = loopback;
        this.app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.http.maxRequestSize = MAX_BODY_BYTES;
            cfg.jetty.threadPool = new QueuedThreadPool(16, 2);
            cfg.jetty.modifyHttpConfiguration(hc -> {
                hc.setRequestHeaderSize(MAX_HEADER_BYTES);
                hc.setSendServerVersion(false);
                hc.setSendXPoweredBy(false);
            });
            cfg.routes.before(this::guard);
            cfg.routes.exception(ModelFolder.Refused.class, (e, ctx) -> fail(ctx, e.status(), e.getMessage()));
            cfg.routes.exception(WeightclassException.class, (e, ctx) -> fail(ctx, 422, e.getMessage()));
            cfg.routes.exception(Exception.class, (e, ctx) -> fail(ctx, 500, "internal error: " + e.getClass().getSimpleName()));
            routes(cfg.routes);
        });
    }

    /** Starts the server; port 0 picks a free port. */
    public static WebApp start(String host, int port, Path modelsDir) throws IOException {
        ModelLibrary library = new ModelLibrary(modelsDir == null ? null : new ModelFolder(modelsDir));
        WebApp web = new WebApp(library, InetAddress.getByName(host).isLoopbackAddress());
        web.app.start(host, port);
        return web;
    }

    public int port() { return app.port(); }

    @Override
    public void close() {
        app.stop();
    }

    // ---- safety ----

    /** Runs before every route: size, host and path checks, and headers that keep pages to this origin. */
    private void guard(Context ctx) {
        ctx.header("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                + "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'");
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.header("X-Frame-Options", "DENY");
        long length = ctx.req().getContentLengthLong();
        if (length > MAX_BODY_BYTES) throw new ModelFolder.Refused(413, "request body larger than " + MAX_BODY_BYTES + " bytes");
        if (loopback) {
            // bound to loopback: a page from another site that resolves its own name to 127.0.0.1
            // (DNS rebinding) sends its own Host header; only loopback names are served
            String h = hostName(ctx.header("Host"));
            if (h == null || !LOOPBACK_NAMES.contains(h.toLowerCase(Locale.ROOT))) {
                throw new ModelFolder.Refused(403, "this server answers only to localhost, 127.0.0.1 or [::1]");
            }
        }
        String raw = ctx.req().getRequestURI().toLowerCase(Locale.ROOT);
        if (raw.contains("%25") || raw.contains("%2e") || raw.contains("%2f") || raw.contains("%5c") || raw.contains("%00")
                || raw.contains("\\") || raw.contains("/../") || raw.endsWith("/..")) {
            throw new ModelFolder.Refused(400, "encoded or relative path segments are not accepted");
        }
    }

    static String hostName(String hostHeader) {
        if (hostHeader == null || hostHeader.isBlank()) return null;
        String h = hostHeader.trim();
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end < 0 ? null : h.substring(0, end + 1);
        }
        int colon = h.indexOf(':');
        return colon < 0 ? h : h.substring(0, colon);
    }

    private static void fail(Context ctx, int status, String message) {
        ctx.status(status);
        if (ctx.path().startsWith("/api/") || ctx.path().startsWith("/files/") || ctx.path().startsWith("/static/")) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("error", message);
            j.put("status", status);
            ctx.contentType("application/json").result(write(j));
        } else {
            ctx.contentType("text/html; charset=utf-8").result(Pages.error(status, message));
        }
    }

    // ---- routes ----

    private void routes(io.javalin.config.RoutesConfig r) {
        r.get("/", ctx -> ctx.html(Pages.resource("index.html")));
        r.get("/device", ctx -> ctx.html(Pages.resource("device.html")));
        r.get("/model", ctx -> ctx.html(modelPage(ctx)));
        r.get("/compare", ctx -> ctx.html(Compare.page(this, ctx.queryParams("v"), ctx.queryParam("m"), context(ctx))));
        r.get("/static/{name}", this::staticFile);
        r.get("/files/{name}", this::modelFile);

        r.get("/api/models", ctx -> json(ctx, modelList()));
        r.get("/api/devices", ctx -> json(ctx, deviceList()));
        r.get("/api/models/{id}", ctx -> json(ctx, report(ctx).toJson()));
        r.get("/api/models/{id}/inspect", ctx -> json(ctx, inspect(library.resolve(ctx.pathParam("id"))).toJson(false)));
        r.get("/api/models/{id}/size", ctx -> json(ctx, size(ctx)));
        r.get("/api/models/{id}/fit", ctx -> json(ctx, fit(ctx).toJson()));
        r.get("/api/models/{id}/export", ctx -> json(ctx, export(ctx)));
        r.get("/api/models/{id}/charts/size.svg", ctx -> svg(ctx, Charts.svg(SizeChart.chart(sizeReport(library.resolve(ctx.pathParam("id")))))));
        r.get("/api/models/{id}/charts/memory.svg", ctx -> svg(ctx, Charts.svg(MemoryChart.chart(fit(ctx)))));
        r.get("/api/compare", ctx -> json(ctx, Compare.data(this, ctx.queryParams("v"), context(ctx))));
        r.get("/api/probe", ctx -> json(ctx, Probe.verdict(this, ctx.queryParam("model"),
                BrowserProbe.fromQuery(ctx::queryParam), runtime(ctx, "webgpu"), context(ctx))));
        r.post("/api/probe", ctx -> {
            JsonNode body = readJson(ctx);
            json(ctx, Probe.verdict(this, text(body, "model"), BrowserProbe.fromJson(body.get("probe")),
                    InferenceRuntime.parse(body.hasNonNull("runtime") ? body.get("runtime").asText() : "webgpu"),
                    body.hasNonNull("ctx") ? positiveInt(body.get("ctx").asText(), "ctx") : null));
        });
    }

    ModelLibrary library() { return library; }

    DeviceCatalog devices() { return devices; }

    private Map<String, Object> modelList() {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("folder", library.folder() == null ? null : library.folder().root().getFileName().toString());
        j.put("models", library.folderModels());
        j.put("catalog", library.catalogModels());
        return j;
    }

    private List<Map<String, Object>> deviceList() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Device d : devices.devices()) out.add(FitReport.deviceJson(d));
        return out;
    }

    // ---- computations (cached; the key names every input) ----

    ModelInspection inspect(ModelLibrary.Ref ref) {
        if (!ref.isFile()) throw new ModelFolder.Refused(404, ref.id() + " is a catalog model: there is no file to inspect");
        return library.cached("inspect|" + ref.cacheKey(), () -> {
            try (ModelFile m = ModelFile.open(ref.file())) {
                return ModelInspection.of(m);
            }
        });
    }

    SizeReport sizeReport(ModelLibrary.Ref ref) {
        return library.cached("size|" + ref.cacheKey(), () -> SizeEstimator.estimate(ref.input()));
    }

    private Map<String, Object> size(Context ctx) {
        ModelLibrary.Ref ref = library.resolve(ctx.pathParam("id"));
        String bw = ctx.queryParam("bandwidth") == null ? "50Mbps" : ctx.queryParam("bandwidth");
        return SizeCommand.toJson(sizeReport(ref), Bandwidth.parse(bw), List.of());
    }

    /** What {@code fit MODEL --runtime R --device D... --ctx N --network S --json} computes. */
    FitReport fit(ModelLibrary.Ref ref, InferenceRuntime rt, List<Device> ds, Integer ctx, String network) {
        String key = "fit|" + ref.cacheKey() + "|" + rt + "|" + ds.stream().map(Device::name).toList() + "|" + ctx + "|" + network;
        return library.cached(key, () -> {
            LoadedModel m = ModelVariants.forRuntime(library.loaded(ref), rt);
            return ModelReport.fit(m, rt, ds, ctx, network);
        });
    }

    private FitReport fit(Context ctx) {
        return fit(library.resolve(ctx.pathParam("id")), runtime(ctx, "llama.cpp"), devices(ctx), context(ctx), network(ctx));
    }

    ModelReport report(ModelLibrary.Ref ref, List<InferenceRuntime> rts, List<Device> ds, Integer ctx, String network) {
        ModelInspection in = ref.isFile() ? inspect(ref) : null;
        List<FitReport> fits = new ArrayList<>();
        for (InferenceRuntime rt : rts) {
            try {
                fits.add(fit(ref, rt, ds, ctx, network));
            } catch (WeightclassException e) {
                // no variant this runtime loads: the report leaves the runtime out, as the CLI's report does
            }
        }
        return new ModelReport(ref.input(), in, sizeReport(ref), Bandwidth.parse(network), fits);
    }

    private ModelReport report(Context ctx) {
        List<InferenceRuntime> rts = new ArrayList<>();
        List<String> given = ctx.queryParams("runtime");
        for (String s : given.isEmpty() ? List.of("llama.cpp,webgpu") : given) {
            for (String part : s.split(",")) if (!part.isBlank()) rts.add(InferenceRuntime.parse(part));
        }
        return report(library.resolve(ctx.pathParam("id")), rts.stream().distinct().toList(), devices(ctx), context(ctx), network(ctx));
    }

    private Map<String, Object> export(Context ctx) {
        ModelLibrary.Ref ref = library.resolve(ctx.pathParam("id"));
        Integer c = context(ctx);
        LoadedModel m = library.loaded(ref);
        int trained = m.variants().getFirst().hyperparameters().contextLength();
        int context = c != null ? c : (trained > 0 ? Math.min(4096, trained) : 4096);
        return library.cached("export|" + ref.cacheKey() + "|" + context, () -> {
            var src = new VariantManifest.Source(m, m.variants(), ref.isFile() ? ref.file().getFileName().toString() : null);
            Map<String, Object> man = VariantManifest.build(List.of(src), context);
            if (ref.isFile()) man.put("base_hint", "/files");
            return man;
        });
    }

    private String modelPage(Context ctx) {
        String id = ctx.queryParam("m");
        if (id == null) throw new ModelFolder.Refused(400, "which model? /model?m=NAME");
        ModelLibrary.Ref ref = library.resolve(id);
        ModelReport r = report(ref, List.of(InferenceRuntime.LLAMA_CPP, InferenceRuntime.WEBGPU), devices(ctx), context(ctx), network(ctx));
        String q = java.net.URLEncoder.encode(id, java.nio.charset.StandardCharsets.UTF_8);
        String links = "<p>JSON: <a href=\"/api/models/" + esc(q) + "\">everything</a>, "
                + (ref.isFile() ? "<a href=\"/api/models/" + esc(q) + "/inspect\">inspect</a>, " : "")
                + "<a href=\"/api/models/" + esc(q) + "/size\">size</a>, <a href=\"/api/models/" + esc(q)
                + "/fit?runtime=webgpu\">fit (webgpu)</a>, <a href=\"/api/models/" + esc(q) + "/export\">variants.json</a>."
                + " <a href=\"/device?m=" + esc(q) + "\">Which variants fit this device?</a>"
                + " <a href=\"/compare?m=" + esc(q) + "\">Compare variants</a></p>\n";
        return Pages.layout(r.size().name(), links + HtmlReport.modelSection(r));
    }

    // ---- files ----

    private void staticFile(Context ctx) {
        String name = ctx.pathParam("name");
        if (!STATIC.contains(name)) throw new ModelFolder.Refused(404, "no such file");
        String type = name.endsWith(".css") ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8";
        ctx.contentType(type).result(Pages.resource(name));
    }

    /** A model file of the folder, read-only, for pages that download a variant from this server. */
    private void modelFile(Context ctx) throws IOException {
        if (library.folder() == null) throw new ModelFolder.Refused(404, "no models folder (serve --models DIR)");
        Path p = library.folder().resolve(ctx.pathParam("name"));
        if (!Files.isRegularFile(p)) throw new ModelFolder.Refused(404, "not a file");
        InputStream in = Files.newInputStream(p, StandardOpenOption.READ);
        ctx.header("Content-Length", String.valueOf(Files.size(p)));
        ctx.contentType("application/octet-stream").result(in);
    }

    // ---- request parameters ----

    List<Device> devices(Context ctx) {
        List<String> names = ctx.queryParams("device");
        if (names.isEmpty()) return devices.devices();
        if (names.size() > 64) throw new WeightclassException("at most 64 devices");
        return names.stream().map(devices::find).toList();
    }

    static InferenceRuntime runtime(Context ctx, String dflt) {
        String r = ctx.queryParam("runtime");
        return InferenceRuntime.parse(r == null || r.isBlank() ? dflt : r);
    }

    static Integer context(Context ctx) {
        String c = ctx.queryParam("ctx");
        return c == null || c.isBlank() ? null : positiveInt(c, "ctx");
    }

    static String network(Context ctx) {
        String n = ctx.queryParam("network");
        if (n == null || n.isBlank()) return "50Mbps";
        ModelVariants.bitsPerSecond(n);   // validates
        return n;
    }

    static int positiveInt(String s, String name) {
        try {
            int v = Integer.parseInt(s.trim());
            if (v <= 0 || v > (1 << 24)) throw new NumberFormatException();
            return v;
        } catch (NumberFormatException e) {
            throw new WeightclassException(name + " must be a positive integer up to 16777216, got '" + s + "'");
        }
    }

    private static String text(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || !v.isTextual()) throw new WeightclassException("missing '" + field + "'");
        return v.asText();
    }

    /** The request body as JSON, read with a hard bound even when no Content-Length was sent. */
    private static JsonNode readJson(Context ctx) throws IOException {
        byte[] body;
        try (InputStream in = ctx.req().getInputStream()) {
            body = in.readNBytes(MAX_BODY_BYTES + 1);
        }
        if (body.length > MAX_BODY_BYTES) throw new ModelFolder.Refused(413, "request body larger than " + MAX_BODY_BYTES + " bytes");
        try {
            JsonNode n = new ObjectMapper().readTree(body);
            if (n == null || !n.isObject()) throw new WeightclassException("expected a JSON object");
            return n;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ModelFolder.Refused(400, "not valid JSON: " + e.getOriginalMessage());
        }
    }

    static void json(Context ctx, Object value) {
        ctx.contentType("application/json").result(write(value));
    }

    private static void svg(Context ctx, String svg) {
        ctx.contentType("image/svg+xml").result(svg);
    }

    static String write(Object value) {
        try {
            return JSON.writeValueAsString(value) + System.lineSeparator();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
