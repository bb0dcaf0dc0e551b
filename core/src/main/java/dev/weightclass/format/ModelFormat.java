package dev.weightclass.format;

/** The file formats weightclass reads. */
public enum ModelFormat {
    GGUF("gguf"), SAFETENSORS("safetensors"), ONNX("onnx"), LLAMA2C("llama2c");

    private final String id;

    ModelFormat(String id) { this.id = id; }

    /** Lower-case name used in reports and JSON. */
    public String id() { return id; }
}
