package dev.weightclass.fit;

import dev.weightclass.WeightclassException;
import dev.weightclass.format.AtomicOutput;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.VectorGraphicsEncoder;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Stacked bars of memory parts per device: for each device the recommended variant (or, when
 * none fits, the smallest), its parts, and the headroom left up to the device's budget.
 */
public final class MemoryChart {
    private MemoryChart() {}

    public static CategoryChart chart(FitReport report) {
        CategoryChart chart = new CategoryChartBuilder().width(Math.max(800, 90 * report.devices().size())).height(560)
                .title(report.model() + ": memory per device (" + report.calculator().runtime().label() + ", context "
                        + report.calculator().run().contextLength() + ")")
                .xAxisTitle("device (variant)").yAxisTitle("GiB").build();
        chart.getStyler().setStacked(true);
        chart.getStyler().setXAxisLabelRotation(35);
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);

        List<String> categories = new ArrayList<>();
        Map<String, List<Double>> series = new LinkedHashMap<>();
        List<FitResult> shown = new ArrayList<>();
        for (Recommendation rec : report.recommendations()) {
            FitResult r = rec.best();
            if (r == null) {
                ModelVariant smallest = report.variants().stream()
                        .min(java.util.Comparator.comparingLong(ModelVariant::weightBytes)).orElseThrow();
                r = report.result(smallest, rec.device());
            }
            shown.add(r);
            categories.add(FitReport.shortName(rec.device()) + " (" + r.variant().type() + (r.fits() ? "" : ", no fit") + ")");
            for (MemoryPart p : r.memory().parts()) series.putIfAbsent(p.name(), new ArrayList<>());
        }
        series.put("headroom", new ArrayList<>());
        for (FitResult r : shown) {
            for (var e : series.entrySet()) {
                double v = e.getKey().equals("headroom") ? Math.max(0, r.headroom()) : r.memory().part(e.getKey());
                e.getValue().add(v / (1 << 30));
            }
        }
        for (var e : series.entrySet()) chart.addSeries(e.getKey(), categories, e.getValue());
        return chart;
    }

    /** Writes the chart as PNG or SVG, chosen by the file extension. */
    public static void write(FitReport report, Path file) throws IOException {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        CategoryChart chart = chart(report);
        byte[] bytes;
        if (n.endsWith(".png")) {
            bytes = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        } else if (n.endsWith(".svg")) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            VectorGraphicsEncoder.saveVectorGraphic(chart, out, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
            bytes = out.toByteArray();
        } else {
            throw new WeightclassException(file + ": chart file must end in .png or .svg");
        }
        AtomicOutput.write(file, ch -> {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) ch.write(b);
        });
    }
}
