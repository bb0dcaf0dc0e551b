package dev.weightclass.report;

import dev.weightclass.compress.Bandwidth;
import dev.weightclass.fit.Device;
import dev.weightclass.fit.FitReport;
import dev.weightclass.fit.FitResult;
import dev.weightclass.fit.MemoryChart;
import dev.weightclass.fit.ModelVariant;
import dev.weightclass.fit.Recommendation;
import dev.weightclass.size.Bytes;
import dev.weightclass.size.ModelInspection;
import dev.weightclass.size.SizeChart;
import dev.weightclass.size.SizeReport;
import dev.weightclass.size.SizeVariant;

import java.util.List;
import java.util.Locale;

import static dev.weightclass.report.Html.count;
import static dev.weightclass.report.Html.esc;

/**
 * The report as HTML: one section per model (inspect summary, sizes, fit matrices, charts) and
 * the quality-versus-size chart. Charts are inline SVG and the stylesheet is inlined, so the file
 * needs no network; the web app's model page shows the same sections.
 */
public final class HtmlReport {
    private HtmlReport() {}

    /** A complete, self-contained page. {@code json} (the report's --json object) is embedded for tools. */
    public static String page(String title, List<ModelReport> models, EvalResults eval, String json) {
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>").append(esc(title)).append("</title>\n<style>\n")
                .append(Html.resource("app.css")).append("</style>\n</head>\n<body>\n<main>\n")
                .append("<h1>").append(esc(title)).append("</h1>\n");
        for (ModelReport m : models) b.append(modelSection(m));
        if (eval != null) b.append(qualitySection(eval));
        if (json != null) {
            b.append("<script type=\"application/json\" id=\"weightclass-data\">")
                    .append(Html.scriptJson(json)).append("</script>\n");
        }
        b.append("<footer>Made by weightclass. Figures: exact where the input allows (GGUF sizes to the byte),")
                .append(" estimates otherwise; assumptions are listed per model.</footer>\n")
                .append("</main>\n</body>\n</html>\n");
        return b.toString();
    }

    public static String modelSection(ModelReport m) {
        StringBuilder b = new StringBuilder();
        SizeReport s = m.size();
        b.append("<section class=\"model\" data-model=\"").append(esc(s.name())).append("\">\n");
        b.append("<h2>").append(esc(s.name())).append(" <span class=\"badge\">").append(esc(s.sizeClass()))
                .append("</span></h2>\n");
        b.append(summary(m));
        b.append(sizeTable(s, m.bandwidth()));
        b.append("<figure class=\"chart\">").append(Charts.inline(SizeChart.chart(s))).append("</figure>\n");
        for (FitReport f : m.fits()) b.append(fitSection(f));
        if (!s.assumptions().isEmpty()) {
            b.append("<details><summary>Size assumptions</summary><ul>");
            for (String a : s.assumptions()) b.append("<li>").append(esc(a)).append("</li>");
            b.append("</ul></details>\n");
        }
        return b.append("</section>\n").toString();
    }

    static String summary(ModelReport m) {
        SizeReport s = m.size();
        ModelInspection in = m.inspection();
        var h = s.hyperparameters();
        StringBuilder b = new StringBuilder("<table class=\"summary\">\n");
        row(b, "parameters", count(s.parameters()) + " (" + s.sizeClass() + ")");
        row(b, "read from", s.source() + (in != null ? ", " + in.format() + " file " + in.fileName() : ""));
        row(b, "architecture", h.architecture());
        if (in != null) {
            row(b, "file size", count(in.fileBytes()) + " bytes (" + Bytes.human(in.fileBytes()) + ")");
            row(b, "tensors", count(in.tensorCount()) + ", embedding parameters " + count(in.embeddingParameters()));
            row(b, "bits per weight", String.format(Locale.ROOT, "%.3f", in.bitsPerWeight()));
        }
        if (h.layers() > 0) {
            row(b, "shape", h.layers() + " layers, width " + h.embeddingWidth() + ", " + h.heads() + " heads ("
                    + h.kvHeads() + " KV, dim " + h.headDim() + "), FFN " + h.ffnWidth());
            row(b, "vocabulary, context", count(h.vocabSize()) + " tokens, " + count(h.contextLength()) + " trained context");
        }
        return b.append("</table>\n").toString();
    }

    private static void row(StringBuilder b, String k, String v) {
        b.append("<tr><th>").append(esc(k)).append("</th><td>").append(esc(v)).append("</td></tr>\n");
    }

    static String sizeTable(SizeReport s, Bandwidth bw) {
        StringBuilder b = new StringBuilder("<h3>Size per variant</h3>\n<table class=\"sizes\">\n<thead><tr><th>variant</th>"
                + "<th>format</th><th class=\"num\">bytes</th><th class=\"num\">size</th><th class=\"num\">bits/weight</th>"
                + "<th class=\"num\">download at " + esc(bw.label()) + "</th></tr></thead>\n<tbody>\n");
        for (SizeVariant v : s.variants()) {
            if (!v.available()) continue;
            b.append("<tr><td>").append(esc(v.type())).append("</td><td>").append(esc(v.format()))
                    .append("</td><td class=\"num\">").append(v.exact() ? "" : "~").append(count(v.bytes()))
                    .append("</td><td class=\"num\">").append(esc(Bytes.human(v.bytes())))
                    .append("</td><td class=\"num\">").append(String.format(Locale.ROOT, "%.2f", v.bitsPerWeight()))
                    .append("</td><td class=\"num\">").append(esc(Bandwidth.human(bw.seconds(v.bytes()))))
                    .append("</td></tr>\n");
        }
        return b.append("</tbody></table>\n<p class=\"note\">~ marks estimates; other sizes are exact to the byte.</p>\n")
                .toString();
    }

    /** The fit matrix (variants x devices), recommendations and the memory chart for one runtime. */
    public static String fitSection(FitReport f) {
        StringBuilder b = new StringBuilder();
        String rt = f.calculator().runtime().label();
        b.append("<h3>Fit: ").append(esc(rt)).append(", context ").append(count(f.calculator().run().contextLength()))
                .append("</h3>\n<div class=\"scroll\"><table class=\"fit\" data-runtime=\"").append(esc(rt))
                .append("\">\n<thead><tr><th>variant</th><th class=\"num\">download</th><th class=\"num\">memory</th>");
        for (Device d : f.devices()) {
            b.append("<th title=\"").append(esc(d.name())).append("\">").append(esc(FitReport.shortName(d))).append("</th>");
        }
        b.append("</tr></thead>\n<tbody>\n");
        for (ModelVariant v : f.variants()) {
            FitResult first = f.result(v, f.devices().getFirst());
            b.append("<tr><td>").append(esc(v.type())).append(v.format().equals("onnx") ? " (onnx)" : "")
                    .append("</td><td class=\"num\">").append(esc(Bytes.human(v.fileBytes())))
                    .append("</td><td class=\"num\">").append(esc(Bytes.human(first.memory().required()))).append("</td>");
            for (Device d : f.devices()) {
                FitResult r = f.result(v, d);
                b.append("<td class=\"").append(r.fits() ? "fits" : "nofit").append("\" title=\"").append(esc(r.reason()))
                        .append("\">").append(r.fits() ? "&#10003; " + Html.rate(r.speed().decodeTokensPerSecond())
                                : "&#10007; " + FitReport.code(r.binding())).append("</td>");
            }
            b.append("</tr>\n");
        }
        b.append("</tbody></table></div>\n<p class=\"note\">&#10003; fits, with estimated decode tokens/s; &#10007; does not fit, ")
                .append("with the limit that binds (RAM, APP per-app limit, GPU memory, BIND tensor above the WebGPU binding size, ")
                .append("BUF tensor above maxBufferSize, QUOTA storage, NOWEB no WebGPU). Hover a cell for the reason.</p>\n");
        b.append("<h4>Best variant per device</h4>\n<ul class=\"recs\">\n");
        for (Recommendation r : f.recommendations()) {
            b.append("<li class=\"").append(r.best() == null ? "nofit" : "fits").append("\">").append(esc(r.text())).append("</li>\n");
        }
        b.append("</ul>\n<figure class=\"chart\">").append(Charts.inline(MemoryChart.chart(f))).append("</figure>\n");
        return b.toString();
    }

    public static String qualitySection(EvalResults e) {
        StringBuilder b = new StringBuilder("<section class=\"quality\">\n<h2>Quality versus size</h2>\n");
        b.append("<figure class=\"chart\">").append(Charts.inline(QualityChart.chart(e))).append("</figure>\n");
        b.append("<table class=\"quality\"><thead><tr><th>variant</th><th class=\"num\">bytes</th><th class=\"num\">")
                .append(esc(e.metric())).append("</th><th>Pareto front</th></tr></thead>\n<tbody>\n");
        for (EvalResults.Point p : e.variants()) {
            b.append("<tr").append(p.pareto() ? " class=\"pareto\"" : "").append("><td>").append(esc(p.name()))
                    .append("</td><td class=\"num\">").append(count(p.bytes())).append("</td><td class=\"num\">")
                    .append(String.format(Locale.ROOT, "%.6g", p.value())).append("</td><td>")
                    .append(p.pareto() ? "yes" : "no: a smaller variant is as good").append("</td></tr>\n");
        }
        return b.append("</tbody></table>\n</section>\n").toString();
    }
}
