package dev.weightclass.distill.train;

import dev.weightclass.format.AtomicOutput;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/** What happened at each step (loss, its terms, learning rate, gradient norm) and at each evaluation. */
public final class History {

    /** One optimizer step; {@code seconds} is wall time since the run (or its first part) began. */
    public record Step(long step, double lr, double loss, Map<String, Double> parts, double gradNorm, long tokens,
                       double seconds) {}

    /** Held-out metrics measured after {@code step} steps (0 = before training). */
    public record Eval(long step, Map<String, Double> metrics) {}

    private final List<Step> steps = new ArrayList<>();
    private final List<Eval> evals = new ArrayList<>();

    public List<Step> steps() { return steps; }

    public List<Eval> evals() { return evals; }

    public void add(Step s) { steps.add(s); }

    public void add(Eval e) { evals.add(e); }

    /** The last evaluation's value of {@code metric}, or NaN. */
    public double lastEval(String metric) {
        for (int i = evals.size() - 1; i >= 0; i--) {
            Double v = evals.get(i).metrics().get(metric);
            if (v != null) return v;
        }
        return Double.NaN;
    }

    /** Mean loss over the last {@code n} steps (a smoothed figure for reports). */
    public double recentLoss(int n) {
        int from = Math.max(0, steps.size() - n);
        double s = 0;
        for (int i = from; i < steps.size(); i++) s += steps.get(i).loss();
        return steps.size() == from ? Double.NaN : s / (steps.size() - from);
    }

    /** One CSV row per step (step, lr, loss, terms, grad_norm, tokens, seconds, then any evaluation at that step). */
    public String csv() {
        TreeSet<String> partNames = new TreeSet<>(), evalNames = new TreeSet<>();
        for (Step s : steps) partNames.addAll(s.parts().keySet());
        for (Eval e : evals) evalNames.addAll(e.metrics().keySet());
        Map<Long, Eval> byStep = new LinkedHashMap<>();
        for (Eval e : evals) byStep.put(e.step(), e);
        StringBuilder sb = new StringBuilder("step,lr,loss");
        for (String p : partNames) sb.append(',').append(p);
        sb.append(",grad_norm,tokens,seconds");
        for (String e : evalNames) sb.append(',').append(e);
        sb.append('\n');
        Eval before = byStep.get(0L);
        if (before != null) { // the evaluation before the first step has no step row of its own
            sb.append("0,,");
            sb.append(",".repeat(partNames.size())).append(",,,");
            appendEval(sb, evalNames, before);
            sb.append('\n');
        }
        for (Step s : steps) {
            sb.append(s.step()).append(',').append(num(s.lr())).append(',').append(num(s.loss()));
            for (String p : partNames) sb.append(',').append(s.parts().containsKey(p) ? num(s.parts().get(p)) : "");
            sb.append(',').append(num(s.gradNorm())).append(',').append(s.tokens()).append(',').append(num(s.seconds()));
            Eval e = byStep.get(s.step());
            if (e != null) appendEval(sb, evalNames, e);
            else sb.append(",".repeat(evalNames.size()));
            sb.append('\n');
        }
        return sb.toString();
    }

    private static void appendEval(StringBuilder sb, TreeSet<String> names, Eval e) {
        for (String n : names) sb.append(',').append(e.metrics().containsKey(n) ? num(e.metrics().get(n)) : "");
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%.6g", v);
    }

    public void writeCsv(Path file) throws IOException {
        AtomicOutput.write(file, csv().getBytes(StandardCharsets.UTF_8));
    }
}
