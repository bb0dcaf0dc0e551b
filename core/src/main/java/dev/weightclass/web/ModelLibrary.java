package dev.weightclass.web;

import dev.weightclass.WeightclassException;
import dev.weightclass.fit.LoadedModel;
import dev.weightclass.fit.ModelVariants;
import dev.weightclass.size.Catalog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The models the web app knows: the entries of the models folder (by file name) and the built-in
 * catalog (by name). Results are cached, keyed to the file's size and modification time, in a
 * bounded map.
 */
public final class ModelLibrary {

    /** What a model id names: a file of the folder or a catalog entry. */
    public record Ref(String id, Path file, String catalogName) {
        /** What the size/fit/inspect classes take: a path or a catalog name. */
        public String input() { return file != null ? file.toString() : catalogName; }

        public boolean isFile() { return file != null; }

        String cacheKey() {
            if (file == null) return "catalog:" + catalogName;
            try {
                return file + "@" + Files.size(file) + "@" + Files.getLastModifiedTime(file).toMillis();
            } catch (IOException e) {
                return file.toString();
            }
        }
    }

    private static final int CACHE_ENTRIES = 64;

    private final ModelFolder folder;
    private final Map<String, Object> cache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Object> e) {
            return size() > CACHE_ENTRIES;
        }
    };

    public ModelLibrary(ModelFolder folder) {
        this.folder = folder;
    }

    public ModelFolder folder() { return folder; }

    /** A folder entry first (exact file name), else a catalog name; refused or unknown names fail. */
    public Ref resolve(String id) {
        ModelFolder.checkName(id);
        if (folder != null && folder.has(id)) return new Ref(id, folder.resolve(id), null);
        return Catalog.find(id).map(e -> new Ref(id, null, e.name()))
                .orElseThrow(() -> new ModelFolder.Refused(404, "no model '" + id + "' in the models folder or the catalog"));
    }

    public List<Map<String, Object>> folderModels() {
        List<Map<String, Object>> out = new ArrayList<>();
        if (folder == null) return out;
        try {
            for (String n : folder.list()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("id", n);
                m.put("source", "folder");
                Path p = folder.resolve(n);
                m.put("bytes", Files.isRegularFile(p) ? Files.size(p) : null);
                out.add(m);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    public List<Map<String, Object>> catalogModels() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Catalog.Entry e : Catalog.all()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", e.name());
            m.put("source", "catalog");
            m.put("hf", e.huggingFaceId());
            m.put("architecture", e.config().modelType());
            m.put("parameters", e.publishedParameters());
            out.add(m);
        }
        return out;
    }

    public LoadedModel loaded(Ref ref) {
        return cached("loaded|" + ref.cacheKey(), () -> ModelVariants.load(ref.input()));
    }

    /** A cached computation; the key must name everything the result depends on. */
    @SuppressWarnings("unchecked")
    public <T> T cached(String key, Callable<T> compute) {
        synchronized (cache) {
            Object v = cache.get(key);
            if (v != null) return (T) v;
        }
        T value;
        try {
            value = compute.call();
        } catch (WeightclassException | ModelFolder.Refused e) {
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        synchronized (cache) {
            cache.put(key, value);
        }
        return value;
    }
}
