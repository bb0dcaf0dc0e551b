package dev.weightclass.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weightclass.WeightclassException;
import dev.weightclass.fit.Device;
import dev.weightclass.fit.DeviceCatalog;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a browser tells about its device, and the device the fit model makes of it. A page can
 * read approximate RAM ({@code navigator.deviceMemory}, capped at 8 and rounded by Chrome),
 * WebGPU limits and features, the storage quota and the downlink; the rest (share of RAM the OS
 * keeps, share a tab's GPU buffers may take, memory bandwidth) is assumed and said so. The device
 * is written in the catalog's JSON shape, so {@code fit --devices FILE} gives the same verdict.
 *
 * @param deviceMemoryGib      {@code navigator.deviceMemory}, or null when not exposed
 * @param hardwareConcurrency  logical cores, or null
 * @param webgpu               whether an adapter was obtained
 * @param maxBufferSize        adapter limit, or null
 * @param maxStorageBufferBindingSize adapter limit, or null
 * @param features             adapter features (shader-f16...)
 * @param adapter              adapter info (vendor, architecture...), for display
 * @param storageQuotaBytes    {@code storage.estimate()} quota minus usage, or null
 * @param downlinkMbps         {@code navigator.connection.downlink}, or null
 */
public record BrowserProbe(Double deviceMemoryGib, Integer hardwareConcurrency, boolean webgpu, Long maxBufferSize,
                           Long maxStorageBufferBindingSize, List<String> features, Map<String, String> adapter,
                           Long storageQuotaBytes, Double downlinkMbps) {

    /** The name of the probed device in the device file and in fit's output. */
    public static final String DEVICE_NAME = "This browser";
    /** Assumed when the browser hides its RAM (Firefox, Safari). */
    public static final double DEFAULT_DEVICE_MEMORY_GIB = 4;
    /** Share of RAM the OS and other apps keep (the catalog's phones keep more, laptops less). */
    public static final double OS_RESERVED_FRACTION = 0.3;
    /** Share of the rest a tab's WebGPU buffers may take on unified memory (the catalog's default). */
    public static final double BROWSER_SHARE = 0.5;
    /** Memory bandwidth, GB/s: no browser API tells it; only the speed estimate uses it. */
    public static final double ASSUMED_BANDWIDTH_GBS = 50;
    public static final double DEFAULT_DOWNLINK_MBPS = 50;

    public BrowserProbe {
        features = features == null ? List.of() : List.copyOf(features);
        adapter = adapter == null ? Map.of() : Map.copyOf(adapter);
        if (deviceMemoryGib != null && !(deviceMemoryGib > 0 && deviceMemoryGib <= 4096)) {
            throw new WeightclassException("deviceMemory must be between 0 and 4096 GiB, got " + deviceMemoryGib);
        }
        if (webgpu && (maxBufferSize == null || maxStorageBufferBindingSize == null)) {
            throw new WeightclassException("a WebGPU probe needs maxBufferSize and maxStorageBufferBindingSize");
        }
        positive(maxBufferSize, "maxBufferSize");
        positive(maxStorageBufferBindingSize, "maxStorageBufferBindingSize");
        if (storageQuotaBytes != null && storageQuotaBytes < 0) throw new WeightclassException("storage quota must not be negative");
        if (downlinkMbps != null && !(downlinkMbps > 0 && downlinkMbps <= 1e6)) {
            throw new WeightclassException("downlink must be between 0 and 1e6 Mbps, got " + downlinkMbps);
        }
    }

    private static void positive(Long v, String name) {
        if (v != null && (v <= 0 || v > (1L << 53))) throw new WeightclassException(name + " must be a positive byte count");
    }

    /** Reads the probe object the device page posts (field names as the browser APIs name them). */
    public static BrowserProbe fromJson(JsonNode p) {
        if (p == null || !p.isObject()) throw new WeightclassException("probe: expected an object");
        JsonNode w = p.get("webgpu");
        boolean gpu = w != null && w.isObject();
        List<String> features = new ArrayList<>();
        Map<String, String> adapter = new LinkedHashMap<>();
        if (gpu) {
            w.path("features").forEach(f -> { if (features.size() < 64) features.add(f.asText()); });
            w.path("adapter").properties().forEach(e -> {
                if (adapter.size() < 16) adapter.put(e.getKey(), truncate(e.getValue().asText()));
            });
        }
        return new BrowserProbe(number(p, "deviceMemory"), p.hasNonNull("hardwareConcurrency")
                ? (int) Math.min(4096, Math.max(1, p.get("hardwareConcurrency").asInt())) : null, gpu,
                gpu ? bytes(w, "maxBufferSize") : null, gpu ? bytes(w, "maxStorageBufferBindingSize") : null,
                features, adapter, bytes(p, "storageQuota"), number(p, "downlink"));
    }

    /** The same from query parameters (GET /api/probe): webgpu limits present means WebGPU is there. */
    public static BrowserProbe fromQuery(java.util.function.Function<String, String> q) {
        String mb = q.apply("maxBufferSize"), ms = q.apply("maxStorageBufferBindingSize");
        boolean gpu = mb != null || ms != null;
        String f = q.apply("features");
        return new BrowserProbe(parseDouble(q.apply("deviceMemory"), "deviceMemory"),
                q.apply("hardwareConcurrency") == null ? null : (int) parseLong(q.apply("hardwareConcurrency"), "hardwareConcurrency"),
                gpu, mb == null ? null : parseLong(mb, "maxBufferSize"), ms == null ? null : parseLong(ms, "maxStorageBufferBindingSize"),
                f == null || f.isBlank() ? List.of() : List.of(f.split(",")), Map.of(),
                q.apply("storageQuota") == null ? null : parseLong(q.apply("storageQuota"), "storageQuota"),
                parseDouble(q.apply("downlink"), "downlink"));
    }

    private static String truncate(String s) {
        return s.length() > 200 ? s.substring(0, 200) : s;
    }

    private static Double number(JsonNode p, String field) {
        JsonNode v = p.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isNumber()) throw new WeightclassException("probe: '" + field + "' must be a number");
        return v.asDouble();
    }

    private static Long bytes(JsonNode p, String field) {
        JsonNode v = p.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isNumber() || !(v.asDouble() >= 0) || v.asDouble() > 9.0e15) {
            throw new WeightclassException("probe: '" + field + "' must be a byte count");
        }
        return v.asLong();
    }

    private static Double parseDouble(String s, String name) {
        if (s == null || s.isBlank()) return null;
        try {
            return Double.parseDouble(s.trim());
        } catch (NumberFormatException e) {
            throw new WeightclassException(name + " must be a number, got '" + s + "'");
        }
    }

    private static long parseLong(String s, String name) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            throw new WeightclassException(name + " must be an integer, got '" + s + "'");
        }
    }

    public double memoryGib() {
        return deviceMemoryGib != null ? deviceMemoryGib : DEFAULT_DEVICE_MEMORY_GIB;
    }

    public double downlink() {
        return downlinkMbps != null ? downlinkMbps : DEFAULT_DOWNLINK_MBPS;
    }

    /** The network speed as {@code fit --network} takes it. */
    public String network() {
        return String.format(Locale.ROOT, "%sMbps", plain(downlink()));
    }

    private static String plain(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }

    /** The device in the catalog's JSON shape (what {@code fit --devices FILE} reads). */
    public ObjectNode deviceJson() {
        ObjectMapper om = new ObjectMapper();
        ObjectNode d = om.createObjectNode();
        d.put("name", DEVICE_NAME);
        d.put("category", "browser");
        d.put("os", "unknown");
        if (!adapter.isEmpty()) d.put("gpu", String.join(" ", adapter.values()).trim());
        double ram = memoryGib();
        d.put("ram_gib", ram);
        d.put("unified_memory", true);
        d.put("os_reserved_gib", ram * OS_RESERVED_FRACTION);
        d.put("browser_share", BROWSER_SHARE);
        d.put("memory_bandwidth_gbs", ASSUMED_BANDWIDTH_GBS);
        if (webgpu) {
            ObjectNode w = d.putObject("webgpu");
            w.put("max_buffer_size", maxBufferSize);
            w.put("max_storage_buffer_binding_size", maxStorageBufferBindingSize);
            w.put("source", "probed in the browser");
        } else {
            d.putNull("webgpu");
        }
        if (storageQuotaBytes != null) d.put("storage_quota_gb", Math.max(1, storageQuotaBytes) / 1e9);
        d.put("source", "probed in the browser; " + String.join("; ", assumptions()));
        return d;
    }

    /** What the browser did not tell and what was assumed instead. */
    public List<String> assumptions() {
        List<String> a = new ArrayList<>();
        if (deviceMemoryGib == null) a.add("navigator.deviceMemory not exposed: assumed " + plain(DEFAULT_DEVICE_MEMORY_GIB) + " GiB RAM");
        else if (deviceMemoryGib >= 8) a.add("navigator.deviceMemory is capped at 8 GiB: this device may have more");
        a.add("the OS and other apps keep " + Math.round(OS_RESERVED_FRACTION * 100) + "% of RAM; a tab's GPU buffers may take "
                + Math.round(BROWSER_SHARE * 100) + "% of the rest (unified memory assumed: no browser API tells VRAM)");
        if (!webgpu) a.add("no WebGPU adapter: WebGPU runtimes cannot run here");
        if (storageQuotaBytes == null) a.add("navigator.storage.estimate() not available: storage quota not checked");
        if (downlinkMbps == null) a.add("navigator.connection.downlink not exposed: assumed " + plain(DEFAULT_DOWNLINK_MBPS) + " Mbit/s");
        a.add("memory bandwidth unknown to the browser: assumed " + plain(ASSUMED_BANDWIDTH_GBS) + " GB/s (speed estimate only)");
        return a;
    }

    public Device device() {
        return DeviceCatalog.fromJson(new ObjectMapper().createArrayNode().add(deviceJson()), "probed device").getFirst();
    }

    /** The probed values as the page shows them (null where the browser did not tell). */
    public Map<String, Object> toJson() {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("deviceMemory", deviceMemoryGib);
        j.put("hardwareConcurrency", hardwareConcurrency);
        j.put("webgpu", webgpu);
        j.put("maxBufferSize", maxBufferSize);
        j.put("maxStorageBufferBindingSize", maxStorageBufferBindingSize);
        j.put("features", features);
        j.put("adapter", adapter);
        j.put("storageQuota", storageQuotaBytes);
        j.put("downlink", downlinkMbps);
        return j;
    }
}
