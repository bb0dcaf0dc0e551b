package dev.weightclass.report;

import dev.weightclass.format.AtomicOutput;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.internal.chartpart.Chart;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/** XChart charts as SVG to inline in HTML, or PNG files beside a report. */
public final class Charts {
    private Charts() {}

    private static final AtomicInteger IDS = new AtomicInteger();

    static {
        System.setProperty("java.awt.headless", "true");
    }

    /** A standalone SVG document. */
    public static String svg(Chart<?, ?> chart) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            VectorGraphicsEncoder.saveVectorGraphic(chart, out, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /**
     * The chart as an {@code <svg>} element to place inside HTML: no XML prolog or DOCTYPE (which
     * name a DTD by URL), ids made unique per chart (several charts share one page, and
     * clip-path ids would otherwise collide), and a width that follows the page.
     */
    public static String inline(Chart<?, ?> chart) {
        String s = svg(chart);
        int start = s.indexOf("<svg");
        if (start < 0) throw new IllegalStateException("chart encoder wrote no <svg> element");
        s = s.substring(start);
        String p = "c" + IDS.incrementAndGet() + "-";
        s = s.replace("id=\"", "id=\"" + p).replace("url(#", "url(#" + p).replace("href=\"#", "href=\"#" + p);
        int end = s.indexOf('>');
        String root = s.substring(0, end);
        if (!root.contains("viewBox")) {
            root = root + " viewBox=\"0 0 " + chart.getWidth() + " " + chart.getHeight() + "\"";
        }
        root = root.replaceFirst(" width=\"[^\"]*\"", " width=\"100%\"").replaceFirst(" height=\"[^\"]*\"", "");
        // HTML gives inline <svg> its namespaces; dropping the declarations leaves no URL at all in a report
        root = root.replaceAll(" xmlns(:xlink)?=\"[^\"]*\"", "");
        return root + " role=\"img\"" + s.substring(end);
    }

    /** Writes the chart as a PNG file (atomically). */
    public static void png(Chart<?, ?> chart, Path file) throws IOException {
        byte[] bytes = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        AtomicOutput.write(file, bytes);
    }
}
