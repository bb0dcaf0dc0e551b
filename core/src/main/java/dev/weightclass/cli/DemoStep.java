package dev.weightclass.cli;

import dev.weightclass.format.BundledModels;
import dev.weightclass.format.ModelFile;

import java.nio.file.Path;
import java.util.Map;

/**
 * One step of {@code weightclass demo}. Each capability adds one step (inspect, sizes and device
 * fit, quantization, evaluation, report); the demo runs them in order on the built-in model.
 */
interface DemoStep {

    /** Key of the step in the JSON output. */
    String id();

    /** Heading of the step in the text output, a question the step answers. */
    String title();

    /** Runs the step; {@code earlier} holds the JSON results of the steps before it, by id. */
    Result run(Context context, Map<String, Object> earlier) throws Exception;

    /** What the demo runs on. */
    record Context(BundledModels.Bundled bundled, Path modelPath, ModelFile model) {}

    /** The step's text section and its JSON value. */
    record Result(String text, Object json) {}
}
