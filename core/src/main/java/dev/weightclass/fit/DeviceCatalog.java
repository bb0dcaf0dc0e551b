package dev.weightclass.fit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weightclass.WeightclassException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The devices weightclass knows: the built-in catalog ({@code devices.json} beside this class)
 * plus any the user adds from a JSON file of the same shape. Lookup is forgiving about case,
 * spaces and punctuation and accepts aliases; an unknown name suggests the nearest one.
 */
public final class DeviceCatalog {

    private static final long GIB = 1L << 30;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final List<Device> devices;

    public DeviceCatalog(List<Device> devices) {
        this.devices = List.copyOf(devices);
    }

    public List<Device> devices() { return devices; }

    /** The built-in catalog. */
    public static DeviceCatalog builtIn() {
        try (InputStream in = DeviceCatalog.class.getResourceAsStream("devices.json")) {
            if (in == null) throw new IllegalStateException("devices.json missing from the build");
            return new DeviceCatalog(parse(MAPPER.readTree(in), "built-in devices.json"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** This catalog plus the devices of a user file (same shape as the built-in one). */
    public DeviceCatalog with(Path file) throws IOException {
        JsonNode root;
        try {
            root = MAPPER.readTree(dev.weightclass.format.SmallFiles.text(file, dev.weightclass.format.SmallFiles.JSON_LIMIT, "a device file"));
        } catch (NoSuchFileException e) {
            throw e;
        } catch (JsonProcessingException e) {
            throw new WeightclassException(file + ": not valid JSON at line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage());
        }
        if (root == null) throw new WeightclassException(file + ": empty device file");
        List<Device> all = new ArrayList<>(devices);
        for (Device d : parse(root, file.toString())) {
            all.removeIf(x -> norm(x.name()).equals(norm(d.name())));
            all.add(d);
        }
        return new DeviceCatalog(all);
    }

    /**
     * Devices from JSON already in memory (same shape as the catalog file): how a browser's probed
     * values become a device that {@code fit --devices FILE} reads the same way.
     */
    public static List<Device> fromJson(JsonNode root, String where) {
        return parse(root, where);
    }

    /** Finds a device by name or alias; unknown names fail with the nearest suggestion. */
    public Device find(String name) {
        String n = norm(name);
        if (n.isEmpty()) throw new WeightclassException("empty device name");
        for (Device d : devices) {
            if (norm(d.name()).equals(n)) return d;
        }
        for (Device d : devices) {
            for (String a : d.aliases()) if (norm(a).equals(n)) return d;
        }
        List<Device> containing = devices.stream().filter(d -> norm(d.name()).contains(n)).toList();
        if (containing.size() == 1) return containing.getFirst();
        String nearest = nearest(name);
        throw new WeightclassException("unknown device '" + name + "'"
                + (containing.size() > 1 ? " (matches " + containing.size() + " devices)" : "")
                + "; did you mean '" + nearest + "'? ('weightclass fit --list-devices' lists them)");
    }

    /** The catalog name with the smallest edit distance to {@code name} (aliases count too). */
    public String nearest(String name) {
        String n = norm(name);
        Device best = null;
        int bestDist = Integer.MAX_VALUE;
        for (Device d : devices) {
            List<String> names = new ArrayList<>(d.aliases());
            names.add(d.name());
            for (String candidate : names) {
                int dist = dev.weightclass.EditDistance.between(n, norm(candidate));
                if (dist < bestDist) {
                    bestDist = dist;
                    best = d;
                }
            }
        }
        return best == null ? "" : best.name();
    }

    static String norm(String s) {
        return s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
    }

    // ---- parsing: every problem is one line naming the file, the device and the field ----

    static List<Device> parse(JsonNode root, String where) {
        JsonNode list = root.isArray() ? root : root.get("devices");
        if (list == null || !list.isArray()) {
            throw new WeightclassException(where + ": expected {\"devices\": [...]} or a JSON array of devices");
        }
        if (list.isEmpty()) throw new WeightclassException(where + ": lists no devices");
        List<Device> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) out.add(device(list.get(i), where + ": device " + (i + 1)));
        return out;
    }

    private static Device device(JsonNode d, String where) {
        if (!d.isObject()) throw new WeightclassException(where + ": expected an object");
        String name = text(d, "name", where, null);
        where = where + " (" + name + ")";
        List<String> aliases = new ArrayList<>();
        JsonNode al = d.get("aliases");
        if (al != null && al.isArray()) al.forEach(a -> aliases.add(a.asText()));
        boolean unified = d.path("unified_memory").asBoolean(true);
        long ram = gib(d, "ram_gib", where, true);
        long vram = gib(d, "vram_gib", where, false);
        double bw = positive(d, "memory_bandwidth_gbs", where, true);
        double gbw = positive(d, "gpu_bandwidth_gbs", where, false);
        double share = d.has("browser_share") ? positive(d, "browser_share", where, true) : 0.5;
        if (share > 1) throw new WeightclassException(where + ": browser_share must be between 0 and 1, got " + share);
        WebGpuLimits limits = null;
        JsonNode w = d.get("webgpu");
        if (w != null && !w.isNull()) {
            if (!w.isObject()) throw new WeightclassException(where + ": webgpu must be an object or null");
            limits = new WebGpuLimits(bytes(w, "max_buffer_size", where + " webgpu"),
                    bytes(w, "max_storage_buffer_binding_size", where + " webgpu"), w.path("source").asText(""));
        }
        long quota = d.has("storage_quota_gb") ? (long) (positive(d, "storage_quota_gb", where, true) * 1e9) : Long.MAX_VALUE;
        long reserved = gib(d, "os_reserved_gib", where, false);
        if (reserved >= ram) throw new WeightclassException(where + ": os_reserved_gib is not below ram_gib");
        return new Device(name, aliases, d.path("category").asText("custom"), d.path("os").asText("unknown"),
                d.path("cpu").asText(""), d.path("gpu").asText(""), ram, unified, vram, bw,
                gbw > 0 ? gbw : bw, positive(d, "cpu_gflops", where, false), positive(d, "gpu_fp16_tflops", where, false),
                reserved, gib(d, "app_limit_gib", where, false), share, gib(d, "gpu_reserved_gib", where, false),
                limits, quota, d.path("source").asText(""));
    }

    private static String text(JsonNode d, String field, String where, String dflt) {
        JsonNode v = d.get(field);
        if (v == null || v.isNull() || !v.isTextual() || v.asText().isBlank()) {
            if (dflt != null) return dflt;
            throw new WeightclassException(where + ": missing or empty '" + field + "'");
        }
        return v.asText();
    }

    private static double positive(JsonNode d, String field, String where, boolean required) {
        JsonNode v = d.get(field);
        if (v == null || v.isNull()) {
            if (required) throw new WeightclassException(where + ": missing '" + field + "'");
            return 0;
        }
        if (!v.isNumber()) throw new WeightclassException(where + ": '" + field + "' must be a number, got " + v);
        double x = v.asDouble();
        if (!(x >= 0) || Double.isInfinite(x) || (required && x == 0)) {
            throw new WeightclassException(where + ": '" + field + "' must be " + (required ? "positive" : "zero or more")
                    + ", got " + v);
        }
        return x;
    }

    private static long gib(JsonNode d, String field, String where, boolean required) {
        return (long) (positive(d, field, where, required) * GIB);
    }

    private static long bytes(JsonNode d, String field, String where) {
        JsonNode v = d.get(field);
        if (v == null || !v.canConvertToLong() || v.asLong() <= 0) {
            throw new WeightclassException(where + ": '" + field + "' must be a positive byte count");
        }
        return v.asLong();
    }

    /** Devices in catalog order grouped by category, then RAM. */
    public List<Device> sorted() {
        return devices.stream().sorted(Comparator.comparingLong(Device::ramBytes)).toList();
    }
}
