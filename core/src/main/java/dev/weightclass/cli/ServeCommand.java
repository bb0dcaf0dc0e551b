package dev.weightclass.cli;

import dev.weightclass.WeightclassException;
import dev.weightclass.web.WebApp;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(name = "serve",
        description = {"Runs a local web app to look instead of read. It shows the models of a folder and the built-in catalog,",
                "a page per model (inspect, sizes, fit matrix, charts), a compare page, and 'This device',",
                "which reads what the browser tells (memory, WebGPU limits, storage, downlink) and says which",
                "variants fit it. Every figure is also under /api as the CLI's --json objects.",
                "Listens on 127.0.0.1 only unless --host is given; reads model files, never writes them."},
        footer = {"", "Examples:",
                "  weightclass serve --models ~/models",
                "  weightclass serve --port 8080"})
final class ServeCommand implements Callable<Integer> {

    @Option(names = "--port", paramLabel = "P", defaultValue = "8077", description = "Port (0 = any free port). Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--models", paramLabel = "DIR", description = "Folder of model files to list and serve (read-only).")
    Path models;

    @Option(names = "--host", paramLabel = "H", description = "Address to listen on (default 127.0.0.1). Anything else exposes the app to your network.")
    String host;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (port < 0 || port > 65535) throw new WeightclassException("--port must be 0..65535");
        if (models != null && !Files.isDirectory(models)) throw new WeightclassException(models + ": not a folder");
        WebApp app = start(host, port, models, spec.commandLine().getOut(), spec.commandLine().getErr());
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.close();
            stop.countDown();
        }));
        stop.await();
        return 0;
    }

    /** Starts the app and says where it listens; warns when --host was given. */
    static WebApp start(String host, int port, Path models, PrintWriter out, PrintWriter err) throws java.io.IOException {
        String h = host == null ? "127.0.0.1" : host;
        if (host != null) {
            if (InetAddress.getByName(host).isLoopbackAddress()) {
                err.println("warning: --host " + host + " given; it is a loopback address, so only this machine can connect.");
            } else {
                err.println("warning: listening on " + host + ": anyone who can reach this address can use the app"
                        + (models != null ? " and download the files in " + models : "") + ". There is no authentication.");
            }
            err.flush();
        }
        WebApp app = WebApp.start(h, port, models);
        String shown = h.contains(":") ? "[" + h + "]" : h;
        out.println("weightclass serving on http://" + shown + ":" + app.port() + "/" + (models != null ? "  (models: " + models + ")" : ""));
        out.println("Press Ctrl+C to stop.");
        out.flush();
        return app;
    }
}
