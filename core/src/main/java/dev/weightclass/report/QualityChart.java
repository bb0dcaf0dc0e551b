package dev.weightclass.report;

import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.util.List;

/** Quality versus size: one point per variant, the Pareto front drawn as a line. */
public final class QualityChart {
    private QualityChart() {}

    public static XYChart chart(EvalResults r) {
        XYChart c = new XYChartBuilder().width(900).height(520)
                .title(r.metric() + " versus size (lower-left is better)")
                .xAxisTitle("size (MiB)").yAxisTitle(r.metric()).build();
        c.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        c.getStyler().setMarkerSize(10);
        List<EvalResults.Point> all = r.variants();
        List<EvalResults.Point> front = all.stream().filter(EvalResults.Point::pareto).toList();
        XYSeries variants = c.addSeries("variants", all.stream().map(p -> p.bytes() / 1048576.0).toList(),
                all.stream().map(EvalResults.Point::value).toList());
        variants.setMarker(SeriesMarkers.CIRCLE);
        XYSeries line = c.addSeries("Pareto front", front.stream().map(p -> p.bytes() / 1048576.0).toList(),
                front.stream().map(EvalResults.Point::value).toList());
        line.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        line.setMarker(SeriesMarkers.DIAMOND);
        return c;
    }
}
