package dev.weightclass.distill;

import dev.weightclass.cli.ModuleCommand;

/** Registers {@code weightclass distill} with the CLI (META-INF/services). */
public final class DistillModule implements ModuleCommand {
    @Override
    public String name() { return "distill"; }

    @Override
    public Object command() { return new DistillCommand(); }
}
