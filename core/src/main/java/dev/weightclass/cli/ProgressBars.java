package dev.weightclass.cli;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Progress bars on stderr for long work; none when stderr is not a terminal (tests, pipes) or with --json. */
final class ProgressBars {
    private ProgressBars() {}

    /** A bar counting bytes, shown in MB with speed. */
    static ProgressBar bytes(String task, long total, boolean quiet) {
        if (quiet || System.console() == null) return null;
        return new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                .setUnit(" MB", 1_000_000).showSpeed().setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
    }

    /** A bar counting items (tensors, chunks). */
    static ProgressBar items(String task, long total, boolean quiet) {
        if (quiet || System.console() == null) return null;
        return new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
    }
}
