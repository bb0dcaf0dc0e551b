package dev.weightclass.runtime;

import dev.weightclass.WeightclassException;
import dev.weightclass.format.ModelFile;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorType;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * How a model file stores shared weights (docs/SHARING.md), in safetensors {@code __metadata__} or GGUF
 * key/values alike:
 * <ul>
 *   <li>alias: {@code weightclass.alias.NAME = TARGET}: tensor NAME is not stored, it is TARGET's bytes;</li>
 *   <li>palette: {@code weightclass.palette.NAME = "bits=B,group=G,cols=C"} with tensors {@code NAME.lut}
 *       (F16 or F32 [rows/G, 2^B]) and {@code NAME.idx} (U8, I8 in GGUF, [rows, ceil(C*B/8)]).</li>
 * </ul>
 */
public final class SharedLayout {
    private SharedLayout() {}

    public static final String ALIAS = "weightclass.alias.";
    public static final String PALETTE = "weightclass.palette.";
    public static final String LUT = ".lut";
    public static final String IDX = ".idx";

    /** The metadata value describing a palette. */
    public static String paletteSpec(int bits, int groupRows, int cols) {
        return "bits=" + bits + ",group=" + groupRows + ",cols=" + cols;
    }

    /** The stored tensor NAME stands for, following aliases (NAME itself when it is no alias). */
    public static String resolve(Map<String, Object> metadata, String name) {
        String at = name;
        for (int hops = 0; hops < 8; hops++) {
            Object target = metadata.get(ALIAS + at);
            if (target == null) return at;
            at = target.toString();
        }
        throw new WeightclassException("alias chain of " + name + " is longer than 8 (a cycle?)");
    }

    /** NAME as a palettized matrix, when the model stores it that way. */
    public static Optional<WeightMatrix> palettized(ModelFile model, Map<String, Object> metadata,
                                                    Map<String, TensorInfo> byName, String name) {
        Object spec = metadata.get(PALETTE + name);
        if (spec == null) return Optional.empty();
        Map<String, Integer> f = parse(model, name, spec.toString());
        int bits = f.get("bits"), group = f.get("group"), cols = f.get("cols");
        TensorInfo lut = byName.get(name + LUT), idx = byName.get(name + IDX);
        if (lut == null || idx == null) {
            throw new WeightclassException(model.path() + ": palette of " + name + " lacks tensor " + name
                    + (lut == null ? LUT : IDX));
        }
        long[] ls = lut.shape(), is = idx.shape();
        if (ls.length != 2 || ls[1] != 1L << bits || (lut.type() != TensorType.F16 && lut.type() != TensorType.F32)) {
            throw new WeightclassException(model.path() + ": " + lut.name() + " is " + lut.type() + " " + Arrays.toString(ls)
                    + ", a " + bits + "-bit palette needs F16 or F32 [groups, " + (1 << bits) + "]");
        }
        if (is.length != 2 || is[1] != Palette.rowBytes(cols, bits) || is[0] != ls[0] * group
                || (idx.type() != TensorType.U8 && idx.type() != TensorType.I8)) {
            throw new WeightclassException(model.path() + ": " + idx.name() + " is " + idx.type() + " " + Arrays.toString(is)
                    + ", expected U8 [" + ls[0] * group + ", " + Palette.rowBytes(cols, bits) + "]");
        }
        float[] table = new float[Math.toIntExact(lut.elements())];
        RowDecoder.decode(new WeightMatrix(lut.name(), lut.type(), 1, table.length, model.data(lut)), 0, table, 0);
        MemorySegment data = model.data(idx);
        return Optional.of(new WeightMatrix(name, TensorType.U8, Math.toIntExact(is[0]), cols, data,
                new Palette(bits, group, table)));
    }

    private static Map<String, Integer> parse(ModelFile model, String name, String spec) {
        Map<String, Integer> f = new HashMap<>();
        for (String part : spec.split(",")) {
            String[] kv = part.split("=", 2);
            try {
                if (kv.length == 2) f.put(kv[0].trim(), Integer.parseInt(kv[1].trim()));
            } catch (NumberFormatException e) {
                // reported below as a missing field
            }
        }
        for (String k : new String[] {"bits", "group", "cols"}) {
            if (f.getOrDefault(k, 0) <= 0) {
                throw new WeightclassException(model.path() + ": metadata " + PALETTE + name + " = '" + spec
                        + "' lacks a positive " + k + " (expected bits=B,group=G,cols=C)");
            }
        }
        if (f.get("bits") > 8) throw new WeightclassException(model.path() + ": palette of " + name + " has " + f.get("bits") + " bits, at most 8");
        return f;
    }
}
