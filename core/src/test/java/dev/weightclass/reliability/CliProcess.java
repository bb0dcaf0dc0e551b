package dev.weightclass.reliability;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The CLI in a process of its own, on the test class path, so tests can kill it or bound its heap. */
public final class CliProcess {
    private CliProcess() {}

    static Process start(Path workDir, Path log, String... args) throws IOException {
        return startWithHeap(workDir, log, "512m", args);
    }

    /** @param heap the child's maximum heap, as -Xmx takes it ("64m") */
    public static Process startWithHeap(Path workDir, Path log, String heap, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("--add-modules");
        cmd.add("jdk.incubator.vector");
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-Xmx" + heap);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.weightclass.cli.Main");
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
    }

    /** Sends SIGINT, as Ctrl-C in a terminal does. */
    static void interrupt(Process p) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
    }
}
