package dev.weightclass.cli;

import dev.weightclass.format.ModelFile;
import dev.weightclass.size.ModelInspection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "inspect",
        description = {"How big is it? Exact parameter count, size class, where the parameters sit,",
                "bits per weight. Reads headers only: instant on any model size."})
final class InspectCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "MODEL",
            description = "A .gguf, .safetensors (or its folder with config.json), .onnx or llama2.c .bin file.")
    Path model;

    @Option(names = "--tensors", description = "List every tensor.")
    boolean tensors;

    @Option(names = "--json", description = "Print one JSON object instead of tables.")
    boolean json;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        try (ModelFile m = ModelFile.open(model)) {
            ModelInspection inspection = ModelInspection.of(m);
            var out = spec.commandLine().getOut();
            out.print(json ? Json.pretty(inspection.toJson(tensors)) : inspection.toText(tensors));
            out.flush();
        }
        return 0;
    }
}
