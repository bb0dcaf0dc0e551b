package dev.weightclass.fit;

/** What decides whether a variant fits a device. */
public enum Limit {
    RAM("RAM"),
    APP_LIMIT("per-app memory limit"),
    GPU_MEMORY("GPU memory"),
    TENSOR_BINDING("tensor > WebGPU maxStorageBufferBindingSize"),
    BUFFER_SIZE("tensor > WebGPU maxBufferSize"),
    STORAGE_QUOTA("browser storage quota"),
    NO_WEBGPU("no WebGPU on this device");

    private final String label;

    Limit(String label) {
        this.label = label;
    }

    public String label() { return label; }

    public String key() { return name().toLowerCase(java.util.Locale.ROOT); }
}
