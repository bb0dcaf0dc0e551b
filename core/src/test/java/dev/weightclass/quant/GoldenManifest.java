package dev.weightclass.quant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weightclass.SharedData;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorRoles;
import dev.weightclass.tensor.TensorType;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** ../shared/golden/tensor-manifest.json: every golden GGUF file's tensors as llama.cpp wrote them. */
public final class GoldenManifest {
    private GoldenManifest() {}

    public static JsonNode load() throws IOException {
        return new ObjectMapper().readTree(SharedData.golden("tensor-manifest.json").toFile());
    }

    /** The file's tensors as TensorInfo (shape outermost first, offsets relative to the data section). */
    public static List<TensorInfo> tensors(JsonNode file) {
        List<TensorInfo> out = new ArrayList<>();
        for (JsonNode t : file.get("tensors")) {
            JsonNode ne = t.get("ne");
            long[] shape = new long[ne.size()];
            for (int i = 0; i < shape.length; i++) shape[i] = ne.get(shape.length - 1 - i).asLong();
            String name = t.get("name").asText();
            var c = TensorRoles.classify(name);
            out.add(new TensorInfo(name, shape, TensorType.fromName(t.get("type").asText()).orElseThrow(), 0,
                    t.get("data_offset").asLong(), t.get("n_bytes").asLong(), c.role(), c.layer()));
        }
        return out;
    }

    public static Map<String, TensorType> types(JsonNode file) {
        Map<String, TensorType> m = new LinkedHashMap<>();
        for (JsonNode t : file.get("tensors")) m.put(t.get("name").asText(), TensorType.fromName(t.get("type").asText()).orElseThrow());
        return m;
    }
}
