package dev.weightclass.runtime.bert;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weightclass.WeightclassException;
import dev.weightclass.format.HfConfig;
import dev.weightclass.format.ModelFile;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorType;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face {@code BertModel} checkpoint (safetensors + config.json): tensors named
 * {@code [bert.]embeddings.word_embeddings.weight}, {@code encoder.layer.N.attention.self.query.weight}
 * and so on; Linear weights are stored [out, in]. Float32 weights only.
 */
final class HfBertMapping {
    private final ModelFile file;
    private final Map<String, TensorInfo> byName = new HashMap<>();
    private String prefix = "";

    private HfBertMapping(ModelFile file) {
        this.file = file;
        for (TensorInfo t : file.tensors()) byName.put(t.name(), t);
    }

    static BertWeights map(ModelFile file) throws IOException {
        return new HfBertMapping(file).map();
    }

    private BertWeights map() throws IOException {
        for (String p : List.of("", "bert.", "model.")) {
            if (byName.containsKey(p + "embeddings.word_embeddings.weight")) prefix = p;
        }
        Path weights = file.files().isEmpty() ? file.path() : file.files().getFirst();
        HfConfig cfg = HfConfig.beside(weights).orElseThrow(() -> new WeightclassException(file.path()
                + ": a BERT safetensors model needs its config.json beside it"));
        JsonNode raw = cfg.raw();
        String act = raw.path("hidden_act").asText("gelu");
        if (!act.equals("gelu")) {
            throw new WeightclassException(cfg.file() + ": hidden_act '" + act + "' is not supported (the encoder runs exact GELU, 'gelu')");
        }
        EmbeddingTable word = table("embeddings.word_embeddings.weight");
        EmbeddingTable position = table("embeddings.position_embeddings.weight");
        EmbeddingTable type = byName.containsKey(prefix + "embeddings.token_type_embeddings.weight")
                ? table("embeddings.token_type_embeddings.weight") : null;
        int hidden = word.width();
        int heads = raw.path("num_attention_heads").asInt(0);
        if (heads <= 0) throw new WeightclassException(cfg.file() + ": num_attention_heads missing");
        float eps = (float) raw.path("layer_norm_eps").asDouble(1e-12);
        int layers = 0;
        while (byName.containsKey(prefix + "encoder.layer." + layers + ".attention.self.query.weight")) layers++;
        if (layers == 0) throw new WeightclassException(file.path() + ": no tensor " + prefix + "encoder.layer.0.attention.self.query.weight: not a BERT model");
        List<BertWeights.Layer> out = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            String b = "encoder.layer." + l + ".";
            out.add(new BertWeights.Layer(linear(b + "attention.self.query"), linear(b + "attention.self.key"),
                    linear(b + "attention.self.value"), linear(b + "attention.output.dense"),
                    norm(b + "attention.output.LayerNorm", eps), linear(b + "intermediate.dense"),
                    linear(b + "output.dense"), norm(b + "output.LayerNorm", eps)));
        }
        BertConfig config = new BertConfig(word.rows(), hidden, layers, heads, out.getFirst().up().out(),
                position.rows(), type == null ? 0 : type.rows(), eps);
        return new BertWeights(config, word, position, type, norm("embeddings.LayerNorm", eps), List.copyOf(out), "f32");
    }

    private TensorInfo tensor(String name) {
        TensorInfo t = byName.get(prefix + name);
        if (t == null) throw new WeightclassException(file.path() + ": tensor " + prefix + name + " missing: not a BERT model");
        if (t.type() != TensorType.F32) {
            throw new WeightclassException(file.path() + ": tensor " + t.name() + " is " + t.type() + "; the encoder runs float32 weights");
        }
        return t;
    }

    private EmbeddingTable table(String name) {
        TensorInfo t = tensor(name);
        if (t.rank() != 2) throw new WeightclassException(file.path() + ": tensor " + t.name() + " is not 2-D");
        return EmbeddingTable.f32(t.name(), file.data(t), Math.toIntExact(t.dim(0)), Math.toIntExact(t.dim(1)));
    }

    private Linear linear(String name) {
        TensorInfo w = tensor(name + ".weight");
        if (w.rank() != 2) throw new WeightclassException(file.path() + ": tensor " + w.name() + " is not 2-D");
        float[] bias = byName.containsKey(prefix + name + ".bias") ? floats(name + ".bias") : null;
        return new F32Linear(w.name(), file.data(w), false, Math.toIntExact(w.dim(1)), Math.toIntExact(w.dim(0)), bias);
    }

    private LayerNorm norm(String name, float eps) {
        String g = byName.containsKey(prefix + name + ".weight") ? ".weight" : ".gamma";
        String b = byName.containsKey(prefix + name + ".bias") ? ".bias" : ".beta";
        return new LayerNorm(floats(name + g), floats(name + b), eps);
    }

    private float[] floats(String name) {
        return file.data(tensor(name)).toArray(ScalarBertKernels.F32);
    }
}
