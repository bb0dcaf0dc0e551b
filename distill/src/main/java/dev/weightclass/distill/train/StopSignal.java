package dev.weightclass.distill.train;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * Ctrl-C during training: the first one asks the trainer to stop after the current step and write
 * a final checkpoint (no JVM shutdown yet, so nothing races the checkpoint's write); a second one
 * exits at once (an output being written is then removed by {@link dev.weightclass.format.AtomicOutput}).
 * Uses the JDK's signal hook ({@code sun.misc.Signal}, module jdk.unsupported); where it is
 * missing, Ctrl-C simply ends the JVM and the last periodic checkpoint stays valid.
 */
public final class StopSignal implements BooleanSupplier, AutoCloseable {
    private final AtomicBoolean requested = new AtomicBoolean();
    private Object previous;

    private StopSignal() {}

    /** Installs the Ctrl-C handler until {@link #close()}. */
    public static StopSignal onCtrlC(Runnable firstNotice) {
        StopSignal s = new StopSignal();
        try {
            sun.misc.Signal sigint = new sun.misc.Signal("INT");
            s.previous = sun.misc.Signal.handle(sigint, sig -> {
                if (s.requested.getAndSet(true)) System.exit(130);
                if (firstNotice != null) firstNotice.run();
            });
        } catch (IllegalArgumentException | LinkageError e) {
            // no SIGINT hook on this platform: the default (JVM exit) applies
        }
        return s;
    }

    /** A signal that never fires unless {@link #request()} is called (tests, library use). */
    public static StopSignal manual() { return new StopSignal(); }

    public void request() { requested.set(true); }

    @Override
    public boolean getAsBoolean() { return requested.get(); }

    @Override
    public void close() {
        if (previous instanceof sun.misc.SignalHandler h) {
            sun.misc.Signal.handle(new sun.misc.Signal("INT"), h);
        }
    }
}
