package dev.weightclass.fit;

import dev.weightclass.size.Bytes;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * "Will it run here?" for every variant of one model on every device: verdicts, memory parts,
 * speeds and one recommendation per device.
 *
 * @param model           model name
 * @param parameters      parameter count
 * @param window          the model's sliding-window attention
 * @param calculator      runtime and run settings used
 * @param devices         the devices, in report order
 * @param variants        the variants, in report order
 * @param results         one per variant x device, variant-major
 * @param recommendations one per device
 * @param assumptions     what the estimates assumed, for people
 */
public record FitReport(String model, long parameters, AttentionWindow window, FitCalculator calculator,
                        List<Device> devices, List<ModelVariant> variants, List<FitResult> results,
                        List<Recommendation> recommendations, List<String> assumptions) {

    public static FitReport compute(String model, long parameters, List<ModelVariant> variants, List<Device> devices,
                                    FitCalculator calc, AttentionWindow window, List<String> assumptions) {
        List<FitResult> results = new ArrayList<>();
        for (ModelVariant v : variants) for (Device d : devices) results.add(calc.fit(v, d, window));
        List<Recommendation> recs = new ArrayList<>();
        for (Device d : devices) recs.add(calc.recommend(variants, d, window));
        return new FitReport(model, parameters, window, calc, List.copyOf(devices), List.copyOf(variants),
                results, recs, List.copyOf(assumptions));
    }

    public FitResult result(ModelVariant v, Device d) {
        return results.get(variants.indexOf(v) * devices.size() + devices.indexOf(d));
    }

    // ---- JSON ----

    public Map<String, Object> toJson() {
        RunConfig run = calculator.run();
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("model", model);
        j.put("parameters", parameters);
        j.put("runtime", calculator.runtime().label());
        j.put("context_length", run.contextLength());
        j.put("kv_type", calculator.runtime() == InferenceRuntime.WEBGPU ? "F16" : run.kvType().name());
        if (calculator.runtime() == InferenceRuntime.LLAMA_CPP) j.put("mmap", run.mmap());
        if (window.window() > 0) j.put("sliding_window", window.window());
        List<Map<String, Object>> ds = new ArrayList<>();
        for (Device d : devices) ds.add(deviceJson(d));
        j.put("devices", ds);
        List<Map<String, Object>> rs = new ArrayList<>();
        for (FitResult r : results) rs.add(resultJson(r));
        j.put("results", rs);
        List<Map<String, Object>> recs = new ArrayList<>();
        for (Recommendation r : recommendations) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("device", r.device().name());
            m.put("variant", r.best() == null ? null : r.best().variant().type());
            m.put("format", r.best() == null ? null : r.best().variant().format());
            m.put("max_context_length", r.maxContext());
            m.put("text", r.text());
            recs.add(m);
        }
        j.put("recommendations", recs);
        j.put("assumptions", assumptions);
        return j;
    }

    /** A device as fit --json lists it. */
    public static Map<String, Object> deviceJson(Device d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", d.name());
        m.put("category", d.category());
        m.put("ram_bytes", d.ramBytes());
        m.put("native_budget_bytes", d.nativeBudget());
        m.put("webgpu_budget_bytes", d.webGpuBudget());
        m.put("memory_bandwidth_gbs", d.memoryBandwidth());
        if (d.webgpu() != null) {
            m.put("max_buffer_size", d.webgpu().maxBufferSize());
            m.put("max_storage_buffer_binding_size", d.webgpu().maxStorageBufferBindingSize());
        }
        return m;
    }

    static Map<String, Object> resultJson(FitResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("device", r.device().name());
        m.put("variant", r.variant().type());
        m.put("format", r.variant().format());
        m.put("file_bytes", r.variant().fileBytes());
        m.put("fits", r.fits());
        m.put("headroom_bytes", r.headroom());
        m.put("budget_bytes", r.budget());
        m.put("binding_limit", r.binding().key());
        m.put("reason", r.reason());
        m.put("memory", memoryJson(r.memory()));
        m.put("decode_tokens_per_second", number(r.speed().decodeTokensPerSecond()));
        m.put("prefill_tokens_per_second", number(r.speed().prefillTokensPerSecond()));
        m.put("download_seconds", number(r.downloadSeconds()));
        return m;
    }

    static Map<String, Object> memoryJson(MemoryEstimate e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("total_bytes", e.total());
        m.put("required_bytes", e.required());
        List<Map<String, Object>> parts = new ArrayList<>();
        for (MemoryPart p : e.parts()) {
            Map<String, Object> pm = new LinkedHashMap<>();
            pm.put("name", p.name());
            pm.put("bytes", p.bytes());
            pm.put("note", p.note());
            if (p.reclaimable()) pm.put("reclaimable", true);
            parts.add(pm);
        }
        m.put("parts", parts);
        return m;
    }

    static Object number(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? null : Format.round(v, 2);
    }

    // ---- text ----

    public String toText() {
        RunConfig run = calculator.run();
        StringBuilder sb = new StringBuilder();
        sb.append(model).append(String.format(Locale.ROOT, " (%,d parameters)", parameters)).append('\n');
        sb.append("runtime ").append(calculator.runtime().label()).append(", context ").append(run.contextLength());
        if (calculator.runtime() == InferenceRuntime.LLAMA_CPP) {
            sb.append(", ").append(run.kvType()).append(" KV cache, ").append(run.mmap() ? "mmap" : "no mmap");
        }
        if (window.window() > 0) sb.append(", sliding window ").append(window.window());
        sb.append("\n\n");
        sb.append("Cells: decode tokens/s when the variant fits, else the limit that fails\n");
        sb.append("(RAM, APP per-app limit, GPU memory, BIND tensor > WebGPU binding, BUF tensor > maxBufferSize,\n");
        sb.append(" QUOTA browser storage, NOWEB no WebGPU).\n\n");

        List<String> heads = new ArrayList<>();
        for (Device d : devices) heads.add(shortName(d));
        int typeW = Math.max(7, variants.stream().mapToInt(v -> v.type().length()).max().orElse(4));
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-" + typeW + "s %10s %10s |", "variant", "download", "memory"));
        for (String h : heads) header.append(String.format(Locale.ROOT, " %" + Math.max(6, h.length()) + "s", h));
        sb.append(header).append('\n').append("-".repeat(header.length())).append('\n');
        for (ModelVariant v : variants) {
            MemoryEstimate mem = result(v, devices.getFirst()).memory();
            sb.append(String.format(Locale.ROOT, "%-" + typeW + "s %10s %10s |", v.type(), Bytes.human(v.fileBytes()),
                    Bytes.human(mem.required())));
            for (int i = 0; i < devices.size(); i++) {
                FitResult r = result(v, devices.get(i));
                String cell = r.fits() ? Format.rate(r.speed().decodeTokensPerSecond()) : code(r.binding());
                sb.append(String.format(Locale.ROOT, " %" + Math.max(6, heads.get(i).length()) + "s", cell));
            }
            sb.append('\n');
        }
        sb.append("\nDevices\n");
        for (int i = 0; i < devices.size(); i++) {
            Device d = devices.get(i);
            long budget = calculator.runtime() == InferenceRuntime.WEBGPU ? d.webGpuBudget() : d.nativeBudget();
            sb.append(String.format(Locale.ROOT, "  %-14s %s: %s usable for %s", heads.get(i), d.name(),
                    Bytes.human(budget), calculator.runtime().label()));
            if (calculator.runtime() == InferenceRuntime.WEBGPU) {
                sb.append(d.webgpu() == null ? ", no WebGPU" : ", binding limit " + Bytes.human(d.webgpu().maxStorageBufferBindingSize()));
            }
            sb.append('\n');
        }
        sb.append("\nRecommendation per device (highest-quality variant that fits, largest context that still fits)\n");
        for (Recommendation r : recommendations) sb.append("  ").append(r.text()).append('\n');
        FitResult shown = recommendations.isEmpty() || recommendations.getFirst().best() == null
                ? (results.isEmpty() ? null : results.getFirst()) : recommendations.getFirst().best();
        if (shown != null) {
            sb.append("\nMemory of ").append(shown.variant().type()).append(" on ").append(shown.device().name())
                    .append(String.format(Locale.ROOT, " (%s; peak %s, required %s)%n", calculator.runtime().label(),
                            Bytes.human(shown.memory().total()), Bytes.human(shown.memory().required())));
            for (MemoryPart p : shown.memory().parts()) {
                sb.append(String.format(Locale.ROOT, "  %-18s %10s  %s%n", p.name(), Bytes.human(p.bytes()), p.note()));
            }
        }
        if (!assumptions.isEmpty()) {
            sb.append("\nAssumptions\n");
            for (String a : assumptions) sb.append("  - ").append(a).append('\n');
        }
        return sb.toString();
    }

    public static String code(Limit l) {
        return switch (l) {
            case RAM -> "RAM";
            case APP_LIMIT -> "APP";
            case GPU_MEMORY -> "GPU";
            case TENSOR_BINDING -> "BIND";
            case BUFFER_SIZE -> "BUF";
            case STORAGE_QUOTA -> "QUOTA";
            case NO_WEBGPU -> "NOWEB";
        };
    }

    /** The shortest alias (or the name) as a column header. */
    public static String shortName(Device d) {
        String best = d.name();
        for (String a : d.aliases()) if (a.length() < best.length() && a.length() >= 3) best = a;
        return best.length() > 14 ? best.substring(0, 14) : best;
    }
}
