package dev.weightclass.fit;

import java.util.Locale;
import java.util.Map;

/**
 * Sliding-window attention: which layers only look back {@code window} tokens, so their KV
 * cache holds at most the window (plus one micro-batch) instead of the whole context.
 * llama.cpp's rule: with period P, layer {@code il} uses the window when {@code il % P < P - 1}
 * (P = 2: every other layer, Gemma-2; P = 6: five of six, Gemma-3); P = 0 means every layer.
 *
 * @param window tokens a sliding-window layer sees, 0 when the model has no sliding window
 * @param period the layer pattern described above
 */
public record AttentionWindow(int window, int period) {

    public static final AttentionWindow NONE = new AttentionWindow(0, 1);

    public AttentionWindow {
        if (window < 0 || period < 0) throw new IllegalArgumentException("negative window/period");
    }

    public boolean isSliding(int layer) {
        if (window == 0) return false;
        if (period == 0) return true;
        return layer % period < period - 1;
    }

    /**
     * The window of an architecture, from the file's metadata when it says
     * ({@code ARCH.attention.sliding_window}, config.json {@code sliding_window}), else the
     * architecture's published default. Architectures llama.cpp runs with full attention
     * (llama, mistral, qwen2, phi...) get none.
     */
    public static AttentionWindow forArchitecture(String architecture, Map<String, Object> metadata) {
        String arch = architecture == null ? "" : architecture.toLowerCase(Locale.ROOT);
        int period = switch (arch) {
            case "gemma2" -> 2;
            case "gemma3", "gemma3n" -> 6;
            case "cohere2" -> 4;
            default -> -1;
        };
        if (period < 0) return NONE;
        int window = metadataInt(metadata, arch + ".attention.sliding_window");
        if (window <= 0) window = metadataInt(metadata, "sliding_window");
        if (window <= 0) window = switch (arch) {
            case "gemma2", "cohere2" -> 4096;
            default -> 1024;
        };
        return new AttentionWindow(window, period);
    }

    private static int metadataInt(Map<String, Object> metadata, String key) {
        if (metadata == null) return 0;
        Object v = metadata.get(key);
        if (v instanceof Number n && n.longValue() > 0 && n.longValue() <= Integer.MAX_VALUE) return n.intValue();
        return 0;
    }
}
