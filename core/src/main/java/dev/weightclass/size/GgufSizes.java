package dev.weightclass.size;

import dev.weightclass.format.gguf.GgufFile;
import dev.weightclass.format.gguf.GgufTensorSpec;
import dev.weightclass.format.gguf.GgufValue;
import dev.weightclass.format.gguf.GgufWriter;
import dev.weightclass.quant.QuantOptions;
import dev.weightclass.quant.QuantPlan;
import dev.weightclass.quant.QuantPreset;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The file llama-quantize writes from a GGUF input, to the byte: the input's key/value pairs
 * (split keys removed, {@code general.file_type} set, {@code general.quantization_version} = 2
 * added), the planned tensors in llama-quantize's order with ggml's dimension count, and
 * 32-byte alignment.
 */
public final class GgufSizes {
    private GgufSizes() {}

    /** ggml's GGML_QNT_VERSION, written as general.quantization_version. */
    public static final int QUANTIZATION_VERSION = 2;

    /** The plan llama-quantize follows for this file. */
    public static QuantPlan plan(GgufFile source, QuantPreset preset, QuantOptions options) {
        return QuantPlan.of(source.tensors(), model(source), preset, options);
    }

    /** Model facts for the rules: layer count, heads, experts (from {arch}.expert_count). */
    public static QuantPlan.Model model(GgufFile source) {
        String arch = source.hyperparameters().architecture();
        GgufValue experts = source.kv().get(arch + ".expert_count");
        return QuantPlan.Model.of(source.hyperparameters(), experts == null ? 0 : (int) experts.asLong());
    }

    /**
     * What llama-quantize records about an importance matrix (its quantize.imatrix.* keys).
     *
     * @param file    the imatrix file name as given on the command line
     * @param dataset the first dataset the matrix was computed on
     * @param entries tensors the matrix covers
     * @param chunks  chunks it was computed on
     */
    public record Imatrix(String file, String dataset, long entries, long chunks) {
        /** Reads an imatrix GGUF written by llama-imatrix. */
        public static Imatrix read(Path path) throws IOException {
            try (GgufFile g = GgufFile.open(path)) {
                GgufValue ds = g.kv().get("imatrix.datasets");
                GgufValue chunks = g.kv().get("imatrix.chunk_count");
                long entries = g.tensors().stream().filter(t -> t.name().endsWith(".in_sum2")).count();
                return new Imatrix(String.valueOf(path.getFileName()),
                        ds == null || ds.size() == 0 ? null : String.valueOf(ds.asList().getFirst()),
                        entries, chunks == null ? 0 : chunks.asLong());
            }
        }
    }

    /** The output file's key/value pairs, in llama-quantize's order. */
    public static Map<String, GgufValue> metadata(GgufFile source, QuantPreset preset) {
        return metadata(source, preset, null);
    }

    /** The output file's key/value pairs, with the imatrix keys when one is used (may be null). */
    public static Map<String, GgufValue> metadata(GgufFile source, QuantPreset preset, Imatrix imatrix) {
        Map<String, GgufValue> kv = new LinkedHashMap<>(source.kv());
        kv.remove("split.no");
        kv.remove("split.count");
        kv.remove("split.tensors.count");
        // gguf_set_val_* removes the key and appends it
        kv.remove("general.quantization_version");
        kv.remove("general.file_type");
        kv.put("general.quantization_version", GgufValue.u32(QUANTIZATION_VERSION));
        kv.put("general.file_type", GgufValue.u32(preset.fileType()));
        if (imatrix != null) {
            // llama-quantize passes these as KV overrides: strings, and integers stored as u32
            kv.put("quantize.imatrix.file", GgufValue.string(imatrix.file()));
            if (imatrix.dataset() != null) kv.put("quantize.imatrix.dataset", GgufValue.string(imatrix.dataset()));
            kv.put("quantize.imatrix.entries_count", GgufValue.u32(imatrix.entries()));
            kv.put("quantize.imatrix.chunks_count", GgufValue.u32(imatrix.chunks()));
        }
        return kv;
    }

    /** The output file's tensor table: each tensor in its planned type, dimensions as ggml counts them. */
    public static List<GgufTensorSpec> tensors(QuantPlan plan) {
        List<GgufTensorSpec> out = new ArrayList<>();
        for (QuantPlan.Decision d : plan.decisions()) {
            long[] shape = d.shape();
            int dims = QuantPlan.ggmlDims(shape);
            long[] ne = new long[dims];
            for (int i = 0; i < dims; i++) ne[i] = shape[shape.length - 1 - i];
            out.add(new GgufTensorSpec(d.name(), ne, d.to()));
        }
        return out;
    }

    /** Bytes of the file llama-quantize writes. */
    public static long fileBytes(GgufFile source, QuantPlan plan) {
        return fileBytes(source, plan, null);
    }

    /** Bytes of the file llama-quantize writes with an importance matrix (null for none). */
    public static long fileBytes(GgufFile source, QuantPlan plan, Imatrix imatrix) {
        Map<String, GgufValue> kv = metadata(source, plan.preset(), imatrix);
        return GgufWriter.fileSize(3, kv, tensors(plan), GgufWriter.alignmentOf(kv));
    }

    /** Bytes of the file llama-quantize writes for a preset and options. */
    public static long fileBytes(GgufFile source, QuantPreset preset, QuantOptions options) {
        return fileBytes(source, plan(source, preset, options));
    }

    static List<SizeVariant> variants(GgufFile source, long parameters, QuantOptions options) {
        List<SizeVariant> out = new ArrayList<>();
        for (QuantPreset p : QuantPreset.values()) {
            SpecSizes.Planned planned;
            try {
                planned = SpecSizes.plan(source.tensors(), model(source), p, options);
            } catch (QuantPlan.ImpossibleException e) {
                // a quantized input: llama-quantize refuses without --allow-requantize
                out.add(new SizeVariant(p.name(), "gguf", -1, -1, -1, 0, true, e.getMessage()));
                continue;
            }
            out.add(SpecSizes.variant(p, planned, fileBytes(source, planned.plan()), parameters, true));
        }
        return out;
    }

    static String describe(long[] shape) { return Arrays.toString(shape); }
}
