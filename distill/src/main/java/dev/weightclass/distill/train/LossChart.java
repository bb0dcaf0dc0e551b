package dev.weightclass.distill.train;

import dev.weightclass.format.AtomicOutput;
import dev.weightclass.report.Charts;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Loss curves of one or more runs on one chart: a moving average of each run's training series
 * (dotted) and each evaluation metric at the steps it was measured (NLL solid, others dashed),
 * plus constant reference lines (the teacher's held-out NLL, black dashed). PNG, or SVG when the file name ends in {@code .svg}.
 */
public final class LossChart {
    private LossChart() {}

    /**
     * @param label  prefix of the run's series names
     * @param train  step series to draw ("loss" or a term such as "ce"); empty for none
     */
    public record Run(String label, History history, List<String> train) {}

    /** One colour per run: every series of a run (train, held-out NLL, KL) shares it, told apart by line style. */
    private static final java.awt.Color[] COLORS = {new java.awt.Color(0, 90, 200), new java.awt.Color(215, 75, 20),
            new java.awt.Color(40, 150, 60), new java.awt.Color(130, 60, 170)};

    public static XYChart chart(String title, List<Run> runs, Map<String, Double> references) {
        XYChart c = new XYChartBuilder().width(900).height(520).title(title).xAxisTitle("step")
                .yAxisTitle("nats per token (loss)").build();
        c.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
        c.getStyler().setMarkerSize(5);
        long lastStep = 1;
        int runIndex = 0;
        for (Run r : runs) {
            java.awt.Color color = COLORS[runIndex++ % COLORS.length];
            String prefix = r.label().isEmpty() ? "" : r.label() + ": ";
            List<History.Step> steps = r.history().steps();
            if (!steps.isEmpty()) lastStep = Math.max(lastStep, steps.get(steps.size() - 1).step());
            int window = Math.max(1, steps.size() / 50);
            for (String name : r.train()) {
                List<Double> xs = new ArrayList<>(), ys = new ArrayList<>();
                double sum = 0;
                int n = 0;
                for (int i = 0; i < steps.size(); i++) {
                    History.Step s = steps.get(i);
                    Double v = name.equals("loss") ? Double.valueOf(s.loss()) : s.parts().get(name);
                    if (v == null) continue;
                    sum += v;
                    n++;
                    if (n == window || i == steps.size() - 1) {
                        xs.add((double) s.step());
                        ys.add(sum / n);
                        sum = 0;
                        n = 0;
                    }
                }
                if (!xs.isEmpty()) {
                    XYSeries s = c.addSeries(prefix + "train " + name, xs, ys);
                    s.setMarker(SeriesMarkers.NONE);
                    s.setLineColor(color);
                    s.setLineStyle(SeriesLines.DOT_DOT);
                }
            }
            TreeSet<String> metrics = new TreeSet<>();
            for (History.Eval e : r.history().evals()) metrics.addAll(e.metrics().keySet());
            for (String m : metrics) {
                List<Double> xs = new ArrayList<>(), ys = new ArrayList<>();
                for (History.Eval e : r.history().evals()) {
                    Double v = e.metrics().get(m);
                    if (v != null && Double.isFinite(v)) {
                        xs.add((double) e.step());
                        ys.add(v);
                    }
                }
                if (!xs.isEmpty()) {
                    boolean nll = m.contains("nll");
                    XYSeries s = c.addSeries(prefix + m, xs, ys);
                    s.setMarker(nll ? SeriesMarkers.CIRCLE : SeriesMarkers.DIAMOND);
                    s.setLineColor(color);
                    s.setMarkerColor(color);
                    s.setLineStyle(nll ? SeriesLines.SOLID : SeriesLines.DASH_DASH);
                }
            }
        }
        for (Map.Entry<String, Double> ref : references.entrySet()) {
            XYSeries s = c.addSeries(ref.getKey(), new double[] {0, lastStep}, new double[] {ref.getValue(), ref.getValue()});
            s.setMarker(SeriesMarkers.NONE);
            s.setLineColor(java.awt.Color.BLACK);
            s.setLineStyle(SeriesLines.DASH_DASH);
        }
        return c;
    }

    /** Writes the chart atomically: SVG for a {@code .svg} name, else PNG. */
    public static void write(Path file, String title, List<Run> runs, Map<String, Double> references) throws IOException {
        XYChart c = chart(title, runs, references);
        if (file.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".svg")) {
            AtomicOutput.write(file, Charts.svg(c).getBytes(StandardCharsets.UTF_8));
        } else {
            Charts.png(c, file);
        }
    }
}
