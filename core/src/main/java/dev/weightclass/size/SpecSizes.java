package dev.weightclass.size;

import dev.weightclass.format.Hyperparameters;
import dev.weightclass.quant.QuantOptions;
import dev.weightclass.quant.QuantPlan;
import dev.weightclass.quant.QuantPreset;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorType;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;

/**
 * GGUF sizes of a model known only from its config: the converter's tensor list (F16, 1-D
 * tensors F32) run through llama-quantize's rules, plus an estimated header.
 */
final class SpecSizes {
    private SpecSizes() {}

    /** Descriptive general.* keys (license, basename, tags...) the converter adds: an allowance. */
    static final int GENERAL_ALLOWANCE = 512;

    static List<SizeVariant> gguf(ModelSpec spec, QuantOptions options) {
        List<SizeVariant> out = new ArrayList<>();
        long kv = metadataBytes(spec);
        QuantPlan.Model model = QuantPlan.Model.of(spec.hyperparameters(), spec.experts());
        for (QuantPreset p : QuantPreset.values()) {
            List<TensorInfo> source = p == QuantPreset.F32 ? retyped(spec.ggufTensors(), TensorType.F32) : spec.ggufTensors();
            Planned planned = plan(source, model, p, options);
            long bytes = GgufLayout.fileBytes(kv, planned.plan.decisions(), GgufLayout.DEFAULT_ALIGNMENT);
            out.add(variant(p, planned, bytes, spec.parameters(), false));
        }
        return out;
    }

    /** A plan, or when llama-quantize would stop on a shape, the plan with those tensors kept F16. */
    record Planned(QuantPlan plan, String note, List<TensorInfo> source) {}

    static Planned plan(List<TensorInfo> source, QuantPlan.Model model, QuantPreset p, QuantOptions options) {
        List<String> overridden = new ArrayList<>();
        QuantOptions o = options;
        for (int attempt = 0; attempt < 64; attempt++) {
            try {
                QuantPlan plan = QuantPlan.of(source, model, p, o);
                String note = fallbackNote(plan);
                if (!overridden.isEmpty()) {
                    note = "llama-quantize fails on " + String.join(", ", overridden)
                            + " (row length not a multiple of the block); size assumes --tensor-type "
                            + String.join(" ", overridden.stream().map(s -> s + "=f16").toList())
                            + (note.isEmpty() ? "" : "; " + note);
                }
                return new Planned(plan, note, source);
            } catch (QuantPlan.ImpossibleException e) {
                String pattern = e.tensor().replaceFirst("^blk\\.\\d+\\.", "").replaceFirst("\\.weight$", "");
                if (overridden.contains(pattern) || e.getMessage().contains("requantiz")) throw e;
                overridden.add(pattern);
                o = o.withOverride(QuantOptions.Override.parse(pattern + "=f16"));
            }
        }
        throw new IllegalStateException("too many overrides");
    }

    static String fallbackNote(QuantPlan plan) {
        if (plan.fallbacks() == 0) return "";
        return String.format(Locale.ROOT, "%d of %d tensors fall back to another type (row length not a multiple of the block)",
                plan.fallbacks(), plan.decisions().size());
    }

    static SizeVariant variant(QuantPreset p, Planned planned, long bytes, long parameters, boolean exact) {
        long weights = planned.plan.dataBytes();
        long largest = planned.plan.decisions().stream().mapToLong(QuantPlan.Decision::bytes).max().orElse(0);
        return new SizeVariant(p.name(), "gguf", bytes, weights, largest,
                parameters == 0 ? 0 : 8.0 * weights / parameters, exact, planned.note, tensors(planned.plan, planned.source));
    }

    /** A plan's tensors as they would be written: planned type and bytes, with the source's role and layer. */
    static List<TensorInfo> tensors(QuantPlan plan, List<TensorInfo> source) {
        Map<String, TensorInfo> byName = new HashMap<>(source.size() * 2);
        for (TensorInfo t : source) byName.put(t.name(), t);
        List<TensorInfo> out = new ArrayList<>(plan.decisions().size());
        for (QuantPlan.Decision d : plan.decisions()) {
            TensorInfo src = byName.get(d.name());
            var role = src != null ? src.role() : dev.weightclass.tensor.TensorRoles.classify(d.name()).role();
            int layer = src != null ? src.layer() : dev.weightclass.tensor.TensorRoles.classify(d.name()).layer();
            out.add(new TensorInfo(d.name(), d.shape(), d.to(), 0, 0, d.bytes(), role, layer));
        }
        return out;
    }

    static List<TensorInfo> retyped(List<TensorInfo> ts, TensorType type) {
        List<TensorInfo> out = new ArrayList<>();
        for (TensorInfo t : ts) {
            out.add(new TensorInfo(t.name(), t.shape(), type, 0, 0, type.bytesFor(t.elements()), t.role(), t.layer()));
        }
        return out;
    }

    /** Estimated bytes of every key/value pair a converted and quantized GGUF holds. */
    static long metadataBytes(ModelSpec spec) {
        Hyperparameters h = spec.hyperparameters();
        String a = spec.ggufArch();
        long b = GENERAL_ALLOWANCE;
        b += GgufLayout.stringKv("general.architecture", a);
        b += GgufLayout.stringKv("general.type", "model");
        b += GgufLayout.stringKv("general.name", spec.name() == null ? a : spec.name());
        b += GgufLayout.stringKv("general.size_label", dev.weightclass.tensor.SizeClass.label(spec.parameters()));
        b += GgufLayout.scalarKv("general.file_type", 4);
        b += GgufLayout.scalarKv("general.quantization_version", 4);
        for (String k : new String[] {"context_length", "embedding_length", "block_count", "feed_forward_length",
                "attention.head_count", "attention.head_count_kv", "rope.dimension_count", "vocab_size"}) {
            b += GgufLayout.scalarKv(a + "." + k, 4);
        }
        b += GgufLayout.scalarKv(a + ".rope.freq_base", 4);
        b += GgufLayout.scalarKv(a + ".attention.layer_norm_rms_epsilon", 4);
        TokenizerEstimate t = spec.tokenizer();
        b += GgufLayout.stringKv("tokenizer.ggml.model", t.model());
        b += GgufLayout.stringKv("tokenizer.ggml.pre", "default");
        for (String k : new String[] {"bos_token_id", "eos_token_id", "unknown_token_id", "padding_token_id"}) {
            b += GgufLayout.scalarKv("tokenizer.ggml." + k, 4);
        }
        b += GgufLayout.scalarKv("tokenizer.ggml.add_bos_token", 1);
        b += GgufLayout.scalarKv("tokenizer.ggml.add_eos_token", 1);
        return b + t.ggufBytes();
    }

    static String assumption(ModelSpec spec) {
        return "GGUF sizes assume llama.cpp's converter (F16, 1-D tensors F32) then llama-quantize without imatrix; "
                + "header estimated: " + spec.tokenizer().describe() + " plus about "
                + (GENERAL_ALLOWANCE + 700) + " bytes of other metadata";
    }
}
