package dev.weightclass.cli;

/**
 * A subcommand that lives in another module (distill, with its training engine), found on the
 * class path through {@link java.util.ServiceLoader}, so that core never depends on it.
 */
public interface ModuleCommand {

    /** The subcommand's name, e.g. {@code distill}. */
    String name();

    /** A new picocli command object (annotated with {@code @Command}). */
    Object command();
}
