package dev.weightclass.size;

import dev.weightclass.tensor.TensorInfo;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One way to ship a model and what it weighs.
 *
 * @param type            GGUF preset (Q4_K_M, F16...) or ONNX target (fp32, fp16, int8, int4)
 * @param format          "gguf" or "onnx"
 * @param bytes           the file's size (header, metadata, padding included); -1 when it cannot be made
 * @param weightBytes     tensor data only: what a runtime loads as weights
 * @param largestTensorBytes the biggest single tensor (WebGPU binding limits apply per tensor)
 * @param bitsPerWeight   8 * weightBytes / parameters
 * @param exact           true when the size is what the tool would write to the byte, false for estimates
 * @param note            why the size is what it is (fallbacks, overrides, assumptions), or empty
 * @param tensors         for GGUF presets, every tensor with the type and bytes it is planned to get
 *                        (memory models need more than the total); empty otherwise
 */
public record SizeVariant(String type, String format, long bytes, long weightBytes, long largestTensorBytes,
                          double bitsPerWeight, boolean exact, String note, List<TensorInfo> tensors) {

    public SizeVariant {
        tensors = List.copyOf(tensors);
    }

    public SizeVariant(String type, String format, long bytes, long weightBytes, long largestTensorBytes,
                       double bitsPerWeight, boolean exact, String note) {
        this(type, format, bytes, weightBytes, largestTensorBytes, bitsPerWeight, exact, note, List.of());
    }

    public boolean available() { return bytes >= 0; }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", type);
        m.put("format", format);
        m.put("bytes", bytes);
        m.put("weight_bytes", weightBytes);
        m.put("largest_tensor_bytes", largestTensorBytes);
        m.put("bits_per_weight", Math.round(bitsPerWeight * 1000) / 1000.0);
        m.put("exact", exact);
        if (!note.isEmpty()) m.put("note", note);
        return m;
    }
}
