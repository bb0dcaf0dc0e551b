package dev.weightclass.distill.train;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;

/**
 * Live progress on stderr: a bar with loss and tokens/s (and the bar's ETA) on a terminal, else
 * one line every {@code every} steps with step, loss, learning rate, tokens/s and ETA (logs, CI).
 */
public final class Progress implements AutoCloseable {
    private final PrintWriter err;
    private final int every;
    private final boolean quiet;
    private ProgressBar bar;
    private long total, first;
    private long started;
    private long tokens;

    public Progress(PrintWriter err, int every, boolean quiet) {
        this.err = err;
        this.every = Math.max(1, every);
        this.quiet = quiet;
    }

    /** Nothing at all (tests). */
    public static Progress silent() {
        return new Progress(new PrintWriter(java.io.Writer.nullWriter()), 1, true);
    }

    public void start(String task, long from, long total) {
        this.first = from;
        this.total = total;
        this.started = System.nanoTime();
        this.tokens = 0;
        if (quiet) return;
        java.io.Console console = System.console();
        if (console != null && console.isTerminal()) {
            bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                    .setConsumer(new ConsoleProgressBarConsumer(System.err)).startsFrom(from, Duration.ZERO).build();
        } else {
            err.println(task + ": steps " + (from + 1) + ".." + total);
        }
    }

    public void step(History.Step s) {
        tokens += s.tokens();
        double secs = (System.nanoTime() - started) / 1e9;
        double tps = secs > 0 ? tokens / secs : 0;
        if (bar != null) {
            bar.stepTo(s.step());
            bar.setExtraMessage(String.format(Locale.ROOT, " loss %.4f  %,.0f tok/s", s.loss(), tps));
            return;
        }
        if (quiet || (s.step() % every != 0 && s.step() != total)) return;
        long done = s.step() - first;
        double eta = done > 0 ? secs / done * (total - s.step()) : 0;
        StringBuilder parts = new StringBuilder();
        new java.util.TreeMap<>(s.parts()).forEach((k, v) -> parts.append(String.format(Locale.ROOT, " %s %.4f", k, v)));
        err.printf(Locale.ROOT, "step %d/%d  loss %.4f%s  lr %.2e  |g| %.3f  %,.0f tok/s  ETA %s%n", s.step(), total,
                s.loss(), parts, s.lr(), s.gradNorm(), tps, duration(eta));
        err.flush();
    }

    /** A line between steps (evaluations, checkpoints), kept off the bar. */
    public void note(String line) {
        if (quiet) return;
        if (bar != null) {
            System.err.print("\r");
            System.err.flush();
        }
        err.println(line);
        err.flush();
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s / 60 % 60)
                : s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
    }

    @Override
    public void close() {
        if (bar != null) bar.close();
        bar = null;
    }
}
