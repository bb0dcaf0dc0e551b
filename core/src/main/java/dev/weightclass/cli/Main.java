package dev.weightclass.cli;

import dev.weightclass.WeightclassException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/** The {@code weightclass} command line. */
@Command(name = "weightclass",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
                "How big is a language model, how big is its download, will it run on a device,",
                "and what does making it smaller cost? Answers from the real model files.",
                "",
                "Formats: GGUF, safetensors (+ config.json), ONNX, llama2.c checkpoints."},
        subcommands = {
                CommandLine.HelpCommand.class,
                InspectCommand.class,
                TokenizeCommand.class,
                SizeCommand.class,
                FitCommand.class,
                PickCommand.class,
                DemoCommand.class,
                QuantizeCommand.class,
                RunCommand.class,
                EvalCommand.class,
                PruneCommand.class,
                BenchCommand.class,
                ReportCommand.class,
                ServeCommand.class,
                ExportWebCommand.class,
                ShareCommand.class,
                LoraCommand.class,
        },
        footer = {"", "Run 'weightclass COMMAND --help' for a command's options.",
                "Exit codes: 0 ok, 2 bad input (one line on stderr saying what and where)."})
public final class Main implements Runnable {

    /** Exit code for bad input, bad arguments and environment problems. */
    public static final int EXIT_BAD_INPUT = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the CLI with the given streams; returns the exit code. Used by tests too. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        addModuleCommands(cl); // before setOut/setErr: picocli passes the streams only to subcommands it has
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        summarizeSubcommands(cl);
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("weightclass: " + ex.getMessage());
            CommandLine c = ex.getCommandLine();
            err.println("Try '" + c.getCommandSpec().qualifiedName() + " --help'.");
            err.flush();
            return EXIT_BAD_INPUT;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            err.println("weightclass: " + describe(ex));
            err.flush();
            if (Boolean.getBoolean("weightclass.debug")) ex.printStackTrace(err);
            return isBadInput(ex) ? EXIT_BAD_INPUT : 1;
        });
        return cl.execute(args);
    }

    /** Commands from other modules on the class path; {@code distill} says how to get it when absent. */
    static void addModuleCommands(CommandLine cl) {
        for (ModuleCommand m : java.util.ServiceLoader.load(ModuleCommand.class)) {
            if (!cl.getSubcommands().containsKey(m.name())) cl.addSubcommand(m.name(), m.command());
        }
        if (!cl.getSubcommands().containsKey("distill")) cl.addSubcommand("distill", new MissingModuleCommand());
    }

    /**
     * The command list shows each command's header: its description's first sentence (the first
     * description line alone would be cut mid-sentence).
     */
    static void summarizeSubcommands(CommandLine cl) {
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (!sub.getCommandSpec().mixinStandardHelpOptions()) sub.getCommandSpec().mixinStandardHelpOptions(true);
            var usage = sub.getCommandSpec().usageMessage();
            if (usage.header().length > 0 || usage.description().length == 0) continue;
            String text = String.join(" ", usage.description()).replaceAll("\\s+", " ").trim();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^.+?[.?!:](?=\\s|$)").matcher(text);
            usage.header(m.find() ? m.group() : text);
        }
    }

    static boolean isBadInput(Throwable ex) {
        Throwable t = ex instanceof UncheckedIOException u ? u.getCause() : ex;
        return t instanceof WeightclassException || t instanceof IOException;
    }

    /** One line: what is wrong and where. */
    static String describe(Throwable ex) {
        Throwable t = ex instanceof UncheckedIOException u ? u.getCause() : ex;
        if (t instanceof NoSuchFileException e) return e.getFile() + ": no such file";
        if (t instanceof AccessDeniedException e) return e.getFile() + ": permission denied";
        if (t instanceof FileSystemException e) {
            String reason = e.getReason() == null ? "file system error" : e.getReason();
            return (e.getFile() == null ? "" : e.getFile() + ": ") + reason;
        }
        if (t instanceof FileNotFoundException e) return e.getMessage();
        if (t instanceof WeightclassException) return t.getMessage();
        if (t instanceof IOException) {
            String m = t.getMessage();
            if (m != null && m.contains("No space left")) return "no space left on device: " + m;
            return m == null ? t.getClass().getSimpleName() : m;
        }
        String m = t.getMessage();
        return "internal error: " + t.getClass().getSimpleName() + (m == null ? "" : ": " + m)
                + " (run with -Dweightclass.debug=true for details)";
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"weightclass " + (v == null ? "dev" : v)};
        }
    }
}
