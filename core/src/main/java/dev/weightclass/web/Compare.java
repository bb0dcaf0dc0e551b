package dev.weightclass.web;

import dev.weightclass.fit.Device;
import dev.weightclass.fit.FitReport;
import dev.weightclass.fit.FitResult;
import dev.weightclass.fit.InferenceRuntime;
import dev.weightclass.fit.LoadedModel;
import dev.weightclass.fit.ModelVariant;
import dev.weightclass.report.Charts;
import dev.weightclass.report.Html;
import dev.weightclass.report.ModelReport;
import dev.weightclass.size.Bytes;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.weightclass.report.Html.esc;

/** Two to four variants side by side: sizes, memory per runtime, and where each fits. */
final class Compare {
    private Compare() {}

    static final List<InferenceRuntime> RUNTIMES = List.of(InferenceRuntime.LLAMA_CPP, InferenceRuntime.WEBGPU,
            InferenceRuntime.ONNXRUNTIME);

    /** One compared variant and its fit on every catalog device, per runtime that loads it. */
    record Entry(String id, LoadedModel model, ModelVariant variant, List<FitReport> fits) {}

    static List<Entry> entries(WebApp web, List<String> specs, Integer ctx) {
        if (specs.size() < 2 || specs.size() > 4) {
            throw new ModelFolder.Refused(400, "compare takes 2 to 4 variants: v=MODEL or v=MODEL:TYPE, repeated");
        }
        List<Entry> out = new ArrayList<>();
        for (String spec : specs) {
            int colon = spec.lastIndexOf(':');
            String id = colon < 0 ? spec : spec.substring(0, colon);
            String type = colon < 0 ? null : spec.substring(colon + 1);
            ModelLibrary.Ref ref = web.library().resolve(id);
            LoadedModel m = web.library().loaded(ref);
            ModelVariant v = type == null ? m.variants().getFirst() : find(m, type, spec);
            LoadedModel one = new LoadedModel(m.name(), m.parameters(), m.window(), List.of(v), m.assumptions());
            List<FitReport> fits = new ArrayList<>();
            for (InferenceRuntime rt : RUNTIMES) {
                if (!VariantManifest.loads(rt, v)) continue;
                String key = "compare|" + ref.cacheKey() + "|" + v.type() + "|" + v.format() + "|" + rt + "|" + ctx;
                fits.add(web.library().cached(key, () -> ModelReport.fit(one, rt, web.devices().devices(), ctx, "50Mbps")));
            }
            out.add(new Entry(spec, m, v, fits));
        }
        return out;
    }

    private static ModelVariant find(LoadedModel m, String type, String spec) {
        for (ModelVariant v : m.variants()) if (v.type().equals(type)) return v;
        for (ModelVariant v : m.variants()) if (v.type().equalsIgnoreCase(type)) return v;
        throw new ModelFolder.Refused(404, spec + ": no such variant (this model has "
                + String.join(", ", m.variants().stream().map(ModelVariant::type).toList()) + ")");
    }

    static Map<String, Object> data(WebApp web, List<String> specs, Integer ctx) {
        Map<String, Object> j = new LinkedHashMap<>();
        List<Map<String, Object>> es = new ArrayList<>();
        for (Entry e : entries(web, specs, ctx)) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", e.id());
            m.put("model", e.model().name());
            m.put("variant", e.variant().type());
            m.put("format", e.variant().format());
            m.put("bytes", e.variant().fileBytes());
            m.put("parameters", e.model().parameters());
            m.put("largest_tensor_bytes", e.variant().largestTensorBytes());
            m.put("fit", e.fits().stream().map(FitReport::toJson).toList());
            es.add(m);
        }
        j.put("entries", es);
        return j;
    }

    static String page(WebApp web, List<String> specs, String model, Integer ctx) {
        if (specs.isEmpty()) return Pages.layout("Compare variants", chooser(web, model));
        List<Entry> es = entries(web, specs, ctx);
        StringBuilder b = new StringBuilder("<p>Data: <a href=\"/api/compare?")
                .append(esc(String.join("&", specs.stream().map(s -> "v=" + java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8)).toList())))
                .append("\">JSON</a></p>\n<table class=\"compare\"><thead><tr><th></th>");
        for (Entry e : es) b.append("<th>").append(esc(e.model().name())).append("<br>").append(esc(e.variant().type())).append("</th>");
        b.append("</tr></thead><tbody>\n");
        row(b, es, "format", e -> e.variant().format());
        row(b, es, "parameters", e -> Html.count(e.model().parameters()));
        row(b, es, "download bytes", e -> Html.count(e.variant().fileBytes()) + " (" + Bytes.human(e.variant().fileBytes()) + ")");
        row(b, es, "largest tensor", e -> Bytes.human(e.variant().largestTensorBytes()));
        for (InferenceRuntime rt : RUNTIMES) {
            row(b, es, "memory, " + rt.label(), e -> fitOf(e, rt) == null ? "-" : Bytes.human(
                    fitOf(e, rt).results().getFirst().memory().required()));
            row(b, es, "fits on (" + rt.label() + ")", e -> {
                FitReport f = fitOf(e, rt);
                if (f == null) return "-";
                long n = f.results().stream().filter(FitResult::fits).count();
                return n + " of " + f.devices().size() + " devices";
            });
        }
        b.append("</tbody></table>\n");
        b.append("<figure class=\"chart\">").append(Charts.inline(chart(es))).append("</figure>\n");
        for (InferenceRuntime rt : RUNTIMES) {
            if (es.stream().allMatch(e -> fitOf(e, rt) == null)) continue;
            b.append("<h3>Per device: ").append(esc(rt.label())).append("</h3>\n<div class=\"scroll\"><table class=\"fit\"><thead><tr><th>device</th>");
            for (Entry e : es) b.append("<th>").append(esc(e.variant().type())).append("</th>");
            b.append("</tr></thead><tbody>\n");
            List<Device> ds = web.devices().devices();
            for (Device d : ds) {
                b.append("<tr><td>").append(esc(d.name())).append("</td>");
                for (Entry e : es) {
                    FitReport f = fitOf(e, rt);
                    if (f == null) {
                        b.append("<td>-</td>");
                        continue;
                    }
                    FitResult r = f.result(e.variant(), d);
                    b.append("<td class=\"").append(r.fits() ? "fits" : "nofit").append("\" title=\"").append(esc(r.reason())).append("\">")
                            .append(r.fits() ? "&#10003; " + Html.rate(r.speed().decodeTokensPerSecond()) + " tok/s"
                                    : "&#10007; " + FitReport.code(r.binding())).append("</td>");
                }
                b.append("</tr>\n");
            }
            b.append("</tbody></table></div>\n");
        }
        return Pages.layout("Compare " + es.size() + " variants", b.toString());
    }

    private static FitReport fitOf(Entry e, InferenceRuntime rt) {
        for (FitReport f : e.fits()) if (f.calculator().runtime() == rt) return f;
        return null;
    }

    private static void row(StringBuilder b, List<Entry> es, String label, java.util.function.Function<Entry, String> cell) {
        b.append("<tr><th>").append(esc(label)).append("</th>");
        for (Entry e : es) b.append("<td class=\"num\">").append(esc(cell.apply(e))).append("</td>");
        b.append("</tr>\n");
    }

    static CategoryChart chart(List<Entry> es) {
        CategoryChart c = new CategoryChartBuilder().width(900).height(420).title("Download and memory per variant")
                .xAxisTitle("variant").yAxisTitle("MiB").build();
        List<String> names = es.stream().map(e -> e.model().name() + " " + e.variant().type()).toList();
        c.addSeries("download", names, es.stream().map(e -> e.variant().fileBytes() / 1048576.0).toList());
        for (InferenceRuntime rt : RUNTIMES) {
            if (es.stream().anyMatch(e -> fitOf(e, rt) == null)) continue;
            c.addSeries("memory " + rt.label(), names, es.stream()
                    .map(e -> fitOf(e, rt).results().getFirst().memory().required() / 1048576.0).toList());
        }
        return c;
    }

    /** Plain forms: pick a model, then tick two to four of its variants. */
    private static String chooser(WebApp web, String model) {
        StringBuilder b = new StringBuilder();
        if (model == null) {
            b.append("<form method=\"get\" action=\"/compare\"><label>Model <select name=\"m\">");
            for (Map<String, Object> m : web.library().folderModels()) option(b, m.get("id").toString());
            for (Map<String, Object> m : web.library().catalogModels()) option(b, m.get("id").toString());
            b.append("</select></label> <button>Choose variants</button></form>\n");
            b.append("<p class=\"note\">Or give 2 to 4 variants of any models directly: <code>/compare?v=MODEL:TYPE&amp;v=MODEL:TYPE</code>.</p>");
            return b.toString();
        }
        ModelLibrary.Ref ref = web.library().resolve(model);
        LoadedModel m = web.library().loaded(ref);
        b.append("<form method=\"get\" action=\"/compare\" id=\"compare-form\"><p>Tick 2 to 4 variants of <b>")
                .append(esc(m.name())).append("</b>:</p>\n");
        for (ModelVariant v : m.variants()) {
            String val = ref.id() + ":" + v.type();
            b.append("<label><input type=\"checkbox\" name=\"v\" value=\"").append(esc(val)).append("\"> ")
                    .append(esc(v.type())).append(v.format().equals("onnx") ? " (onnx)" : "").append(" &middot; ")
                    .append(esc(Bytes.human(v.fileBytes()))).append("</label><br>\n");
        }
        return b.append("<button>Compare</button></form>\n").toString();
    }

    private static void option(StringBuilder b, String id) {
        b.append("<option value=\"").append(esc(id)).append("\">").append(esc(id)).append("</option>");
    }
}
