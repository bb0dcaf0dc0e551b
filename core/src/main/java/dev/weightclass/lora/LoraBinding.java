package dev.weightclass.lora;

import dev.weightclass.WeightclassException;
import dev.weightclass.format.Hyperparameters;
import dev.weightclass.format.ModelFile;
import dev.weightclass.format.ModelFormat;
import dev.weightclass.tensor.TensorInfo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Matches every pair of an adapter to a tensor of a base model and checks the shapes: the one
 * place that knows how PEFT module names, GGUF names and GPT-2 Conv1D layouts meet.
 */
public final class LoraBinding {
    private LoraBinding() {}

    /**
     * Binds each pair of {@code adapter} to {@code base}; {@code multiplier} scales every update
     * (1 = as trained). Throws naming the tensor when a target is missing or its shape differs.
     */
    public static List<BoundPair> bind(LoraAdapter adapter, ModelFile base, double multiplier) {
        if (!Double.isFinite(multiplier)) throw new WeightclassException("adapter scale " + multiplier + " is not a number");
        Map<String, TensorInfo> byName = new HashMap<>();
        for (TensorInfo t : base.tensors()) byName.put(t.name(), t);
        boolean ggufBase = base.format() == ModelFormat.GGUF;
        String arch = architecture(base);
        adapter.architecture().ifPresent(a -> {
            if (arch != null && !a.equalsIgnoreCase(arch)) {
                throw new WeightclassException(adapter.path() + ": the adapter is for architecture " + a
                        + ", the base " + base.path() + " is " + arch);
            }
        });
        Hyperparameters h = base.hyperparameters().normalized();
        List<BoundPair> out = new ArrayList<>();
        for (LoraPair p : adapter.pairs()) {
            if (p.embedding() && adapter.format() == LoraAdapter.Format.GGUF) {
                throw new WeightclassException(adapter.path() + ": LoRA on " + p.target() + " (token embedding) is not supported");
            }
            boolean adapterHf = adapter.format() == LoraAdapter.Format.PEFT;
            TensorInfo t = find(p, adapterHf, byName).orElseThrow(() -> new WeightclassException(adapter.path()
                    + ": " + p.target() + " has no tensor in the base " + base.path() + " (looked for "
                    + String.join(", ", candidates(p.target(), adapterHf)) + ")"));
            boolean conv1d = !ggufBase && (adapterHf ? adapter.config().map(PeftConfig::fanInFanOut).orElse(false)
                    : TensorNames.isConv1d(t.name()));
            boolean transposed = p.embedding() || conv1d;
            long[] need = transposed ? new long[] {p.in(), p.out()} : new long[] {p.out(), p.in()};
            if (!Arrays.equals(t.shape(), need)) {
                throw new WeightclassException(adapter.path() + ": " + p.target() + " does not fit the base: tensor "
                        + t.name() + " has shape " + Arrays.toString(t.shape()) + ", the adapter's B·A"
                        + (transposed ? "^T" : "") + " is " + Arrays.toString(need) + " (A " + Arrays.toString(p.a().shape())
                        + ", B " + Arrays.toString(p.b().shape()) + ")");
            }
            int[] rows = null;
            boolean crossing = adapterHf == ggufBase;
            int heads = crossing ? TensorNames.permutationHeads(t.name(), arch, h.heads(), h.kvHeads()) : 0;
            if (heads > 0) rows = adapterHf ? TensorNames.hfToGgufRows(p.out(), heads) : TensorNames.ggufToHfRows(p.out(), heads);
            out.add(new BoundPair(p, t, p.scale() * multiplier, transposed, rows));
        }
        Set<String> seen = new java.util.HashSet<>();
        for (BoundPair b : out) {
            if (!seen.add(b.base().name())) {
                throw new WeightclassException(adapter.path() + ": two pairs change the same base tensor " + b.base().name());
            }
        }
        return out;
    }

    static String architecture(ModelFile base) {
        Object a = base.metadata().get("general.architecture");
        String s = a != null ? a.toString() : base.hyperparameters().architecture();
        return s == null || s.equals("unknown") ? null : s.toLowerCase(Locale.ROOT);
    }

    private static java.util.Optional<TensorInfo> find(LoraPair p, boolean adapterHf, Map<String, TensorInfo> byName) {
        for (String c : candidates(p.target(), adapterHf)) {
            TensorInfo t = byName.get(c);
            if (t != null) return java.util.Optional.of(t);
        }
        return java.util.Optional.empty();
    }

    /** Base tensor names a pair may apply to, in the order they are tried. */
    static List<String> candidates(String target, boolean adapterHf) {
        Set<String> c = new LinkedHashSet<>();
        if (adapterHf) {
            // the module path, then with up to two leading prefixes (transformer., model.) dropped, as files store them
            String m = target;
            for (int i = 0; i < 3; i++) {
                c.add(m + ".weight");
                int dot = m.indexOf('.');
                if (dot < 0 || !Character.isLetter(m.charAt(0))) break;
                m = m.substring(dot + 1);
                if (!Character.isLetter(m.charAt(0))) break;
            }
            c.add("model." + target + ".weight");
            TensorNames.toGguf(target).ifPresent(c::add);
        } else {
            c.add(target);
            for (String hf : TensorNames.toHf(target)) c.add(hf + ".weight");
        }
        return new ArrayList<>(c);
    }
}
