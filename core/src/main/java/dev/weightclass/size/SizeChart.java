package dev.weightclass.size;

import dev.weightclass.WeightclassException;
import dev.weightclass.format.AtomicOutput;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.style.Styler;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A bar chart of file size per variant, written as PNG or SVG (chosen by the file's extension). */
public final class SizeChart {
    private SizeChart() {}

    public static void write(SizeReport report, Path target) throws IOException {
        String name = target.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean svg = name.endsWith(".svg");
        if (!svg && !name.endsWith(".png")) {
            throw new WeightclassException(target + ": chart file must end in .png or .svg");
        }
        System.setProperty("java.awt.headless", "true");
        CategoryChart chart = chart(report);
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        if (svg) VectorGraphicsEncoder.saveVectorGraphic(chart, buf, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
        else BitmapEncoder.saveBitmap(chart, buf, BitmapEncoder.BitmapFormat.PNG);
        byte[] bytes = buf.toByteArray();
        AtomicOutput.write(target, ch -> {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) ch.write(b);
        });
    }

    public static CategoryChart chart(SizeReport report) {
        List<String> labels = new ArrayList<>();
        List<Double> mib = new ArrayList<>();
        for (SizeVariant v : report.variants()) {
            if (!v.available()) continue;
            labels.add(v.format().equals("onnx") ? "onnx " + v.type() : v.type());
            mib.add(v.bytes() / 1048576.0);
        }
        CategoryChart c = new CategoryChartBuilder().width(1100).height(520)
                .title(report.name() + " (" + report.sizeClass() + ", " + String.format(Locale.ROOT, "%,d", report.parameters())
                        + " parameters): file size per variant")
                .xAxisTitle("variant").yAxisTitle("MiB").build();
        c.getStyler().setLegendVisible(false);
        c.getStyler().setXAxisLabelRotation(60);
        c.getStyler().setLabelsVisible(false);
        c.getStyler().setChartTitleBoxVisible(false);
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        c.addSeries("size", labels, mib);
        return c;
    }
}
