package dev.weightclass.quant;

import dev.weightclass.WeightclassException;
import dev.weightclass.format.Hyperparameters;
import dev.weightclass.format.ModelFile;
import dev.weightclass.format.gguf.GgufValue;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorRoles;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A non-GGUF llama model seen under GGUF names: each tensor renamed, q/k projections optionally
 * read in GGUF's RoPE row order, and llama.* hyperparameter keys plus a tokenizer as metadata.
 */
final class ConvertedSource implements QuantSource {
    private final ModelFile model;
    private final Map<String, GgufValue> kv;
    private final List<TensorInfo> tensors = new ArrayList<>();
    private final Map<String, TensorInfo> stored = new HashMap<>();
    /** GGUF tensor name -> heads whose rows are stored rotate-half (Hugging Face) and must be interleaved. */
    private final Map<String, Integer> permutedHeads = new HashMap<>();

    ConvertedSource(ModelFile model, Map<String, GgufValue> kv) {
        this.model = model;
        this.kv = kv;
    }

    /** Adds a stored tensor under its GGUF name; {@code heads > 0} un-permutes its rows. */
    void add(TensorInfo original, String ggufName, int heads) {
        if (stored.containsKey(ggufName)) {
            throw new WeightclassException(model.path() + ": " + original.name() + " and " + stored.get(ggufName).name()
                    + " both map to GGUF tensor " + ggufName);
        }
        TensorRoles.Classification c = TensorRoles.classify(ggufName);
        TensorInfo t = new TensorInfo(ggufName, original.shape(), original.type(), original.fileIndex(),
                original.offset(), original.byteSize(), c.role(), c.layer());
        if (heads > 0) {
            long rows = t.rank() == 2 ? t.dim(0) : 0;
            if (rows == 0 || rows % (2L * heads) != 0) {
                throw new WeightclassException(model.path() + ": " + original.name() + " has " + rows
                        + " rows, not a whole number of " + heads + " heads of even size");
            }
            permutedHeads.put(ggufName, heads);
        }
        tensors.add(t);
        stored.put(ggufName, original);
    }

    /**
     * Row {@code row} of a GGUF q/k matrix lives at this row of Hugging Face's rotate-half layout.
     * Within a head of size hd, GGUF keeps RoPE pairs adjacent (row 2j + half) where Hugging Face
     * keeps the halves apart (row half * hd/2 + j): the inverse of convert_hf_to_gguf's permute.
     */
    static long hfRow(long row, long headDim) {
        long head = row / headDim, r = row % headDim;
        long j = r / 2, half = r % 2;
        return head * headDim + half * (headDim / 2) + j;
    }

    @Override
    public long storedRow(TensorInfo t, long row) {
        Integer heads = permutedHeads.get(t.name());
        if (heads == null) return row;
        return hfRow(row, t.dim(0) / heads);
    }

    @Override
    public boolean rowsInOrder(TensorInfo t) { return !permutedHeads.containsKey(t.name()); }

    @Override public Path path() { return model.path(); }

    @Override public List<Path> files() { return model.files(); }

    @Override public Map<String, GgufValue> kv() { return kv; }

    @Override public List<TensorInfo> tensors() { return List.copyOf(tensors); }

    @Override public Hyperparameters hyperparameters() { return model.hyperparameters(); }

    @Override public int experts() { return 0; }

    @Override
    public MemorySegment data(TensorInfo t) {
        TensorInfo s = stored.get(t.name());
        if (s == null) throw new IllegalArgumentException("no tensor " + t.name());
        return model.data(s);
    }

    @Override
    public void close() { model.close(); }

    /** The llama.* keys GGUF llama models carry, in convert_hf_to_gguf's order. */
    static Map<String, GgufValue> llamaKeys(String name, Hyperparameters h, float rmsEps, float ropeTheta) {
        Hyperparameters n = h.normalized();
        Map<String, GgufValue> kv = new LinkedHashMap<>();
        kv.put("general.architecture", GgufValue.string("llama"));
        kv.put("general.name", GgufValue.string(name));
        if (n.contextLength() > 0) kv.put("llama.context_length", GgufValue.u32(n.contextLength()));
        kv.put("llama.embedding_length", GgufValue.u32(n.embeddingWidth()));
        kv.put("llama.block_count", GgufValue.u32(n.layers()));
        kv.put("llama.feed_forward_length", GgufValue.u32(n.ffnWidth()));
        kv.put("llama.rope.dimension_count", GgufValue.u32(n.headDim()));
        kv.put("llama.attention.head_count", GgufValue.u32(n.heads()));
        kv.put("llama.attention.head_count_kv", GgufValue.u32(n.kvHeads()));
        kv.put("llama.attention.layer_norm_rms_epsilon", GgufValue.f32(rmsEps));
        kv.put("llama.rope.freq_base", GgufValue.f32(ropeTheta));
        kv.put("llama.vocab_size", GgufValue.u32(n.vocabSize()));
        return kv;
    }

    /** A model name from a file or folder name: the stem without extension. */
    static String nameOf(Path p) {
        Path f = p.toAbsolutePath().normalize().getFileName();
        String s = f == null ? "" : f.toString();
        int dot = s.indexOf('.');
        String stem = dot > 0 ? s.substring(0, dot) : s;
        return stem.isEmpty() ? "model" : stem;
    }
}
