package dev.weightclass.format;

/** The built-in readers, registered once on first use. */
final class Readers {
    private Readers() {}

    private static boolean done;

    static synchronized void ensureRegistered() {
        if (done) return;
        done = true;
        // Each format adds one line here.
        ModelFiles.register(new dev.weightclass.format.gguf.GgufReader());
        ModelFiles.register(new dev.weightclass.format.safetensors.SafetensorsReader());
        ModelFiles.register(new dev.weightclass.format.onnx.OnnxReader());
        ModelFiles.register(new dev.weightclass.format.llama2c.Llama2cReader());
    }
}
