package dev.weightclass.fit;

import dev.weightclass.WeightclassException;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The runtimes whose memory and speed weightclass models. */
public enum InferenceRuntime {
    /** llama.cpp on the CPU (GGUF). */
    LLAMA_CPP("llama.cpp"),
    /** A WebLLM-style runtime in a browser: weights and KV cache in WebGPU buffers. */
    WEBGPU("webgpu"),
    /** ONNX Runtime's CPU execution provider. */
    ONNXRUNTIME("onnxruntime");

    private final String label;

    InferenceRuntime(String label) {
        this.label = label;
    }

    public String label() { return label; }

    public MemoryModel memoryModel() {
        return switch (this) {
            case LLAMA_CPP -> new LlamaCppMemory();
            case WEBGPU -> new WebGpuMemory();
            case ONNXRUNTIME -> new OnnxRuntimeMemory();
        };
    }

    public static InferenceRuntime parse(String s) {
        String n = s.trim().toLowerCase(Locale.ROOT);
        for (InferenceRuntime r : values()) {
            if (r.label.equals(n) || r.name().equalsIgnoreCase(n.replace('.', '_').replace('-', '_'))) return r;
        }
        if (n.equals("llamacpp") || n.equals("ort") || n.equals("onnx")) return n.startsWith("llama") ? LLAMA_CPP : ONNXRUNTIME;
        throw new WeightclassException("unknown runtime '" + s + "' (one of "
                + Arrays.stream(values()).map(InferenceRuntime::label).collect(Collectors.joining(", ")) + ")");
    }

    @Override
    public String toString() { return label; }
}
