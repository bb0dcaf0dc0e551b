package dev.weightclass.share;

import dev.weightclass.WeightclassException;
import dev.weightclass.format.ModelFile;
import dev.weightclass.quant.TensorRows;
import dev.weightclass.runtime.Palette;
import dev.weightclass.runtime.SharedLayout;
import dev.weightclass.runtime.WeightMatrix;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorType;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;

/** Palettizes the matrices of a {@link SharedModel}, or expands palettes back to plain floats. */
public final class Palettization {
    private Palettization() {}

    /**
     * Replaces every stored 2-D weight by {@code NAME.lut} + {@code NAME.idx} (or, with {@code expand}
     * F16/F32, by the table values as a plain tensor of that type).
     *
     * @param importance column importance by tensor name (calibration), or empty for plain k-means
     * @return the fitted palettes, in model order
     */
    public static List<Palettizer.Fitted> apply(SharedModel model, Palettizer.Options o, Map<String, float[]> importance,
                                                TensorType expand, ForkJoinPool pool) {
        return apply(model, o, importance, expand, pool, null);
    }

    /** As above, telling {@code progress} how many weights are clustered. */
    public static List<Palettizer.Fitted> apply(SharedModel model, Palettizer.Options o, Map<String, float[]> importance,
                                                TensorType expand, ForkJoinPool pool, Palettizer.Progress progress) {
        ModelFile src = model.source();
        List<Palettizer.Source> sources = new ArrayList<>();
        List<float[]> imp = new ArrayList<>();
        for (SharedModel.Tensor t : model.tensors()) {
            TensorInfo info = src.tensor(t.name()).orElse(null);
            long[] s = t.shape();
            if (info == null || s.length != 2 || s[0] < 2 || s[1] < 2 || !TensorRows.readable(t.type())) continue;
            if (s[0] > Integer.MAX_VALUE || s[1] > Integer.MAX_VALUE) continue;
            sources.add(new Palettizer.Source(t.name(), t.type(), (int) s[0], (int) s[1], src.data(info)));
            imp.add(importance.get(t.name()));
        }
        if (sources.isEmpty()) throw new WeightclassException(src.path() + ": no 2-D weight to palettize");
        for (Palettizer.Source s : sources) o.groupFor(s.name(), s.rows());   // fail before any work
        List<Palettizer.Fitted> fitted = Palettizer.fit(sources, imp, o, pool, progress);
        for (Palettizer.Fitted f : fitted) {
            Palettizer.Source s = f.source();
            if (expand != null) {
                model.replace(s.name(), List.of(new SharedModel.Tensor(s.name(), expand, new long[] {s.rows(), s.cols()},
                        () -> expand(f.palette(), s.rows(), s.cols(), MemorySegment.ofArray(Palettizer.encode(f, pool)), expand))),
                        Map.of());
            } else {
                model.replace(s.name(), List.of(
                        new SharedModel.Tensor(s.name() + SharedLayout.LUT, o.lutType(), new long[] {f.groups(), 1L << o.bits()},
                                () -> table(f.lut(), o.lutType())),
                        new SharedModel.Tensor(s.name() + SharedLayout.IDX, TensorType.U8,
                                new long[] {s.rows(), Palette.rowBytes(s.cols(), o.bits())},
                                () -> MemorySegment.ofArray(Palettizer.encode(f, pool)))),
                        Map.of(SharedLayout.PALETTE + s.name(), SharedLayout.paletteSpec(o.bits(), f.groupRows(), s.cols())));
            }
        }
        return fitted;
    }

    /**
     * Expands the palettes the source already stores into plain {@code type} tensors.
     *
     * @return names expanded
     */
    public static List<String> expandStored(SharedModel model, TensorType type) {
        ModelFile src = model.source();
        Map<String, Object> md = src.metadata();
        Map<String, TensorInfo> byName = new HashMap<>();
        for (TensorInfo t : src.tensors()) byName.put(t.name(), t);
        List<String> done = new ArrayList<>();
        for (String key : md.keySet()) {
            if (!key.startsWith(SharedLayout.PALETTE)) continue;
            String name = key.substring(SharedLayout.PALETTE.length());
            WeightMatrix w = SharedLayout.palettized(src, md, byName, name).orElseThrow();
            model.remove(name + SharedLayout.LUT);
            model.replace(name + SharedLayout.IDX, List.of(new SharedModel.Tensor(name, type, new long[] {w.rows(), w.cols()},
                    () -> expand(w.palette(), w.rows(), w.cols(), w.data(), type))), Map.of());
            model.dropMetadata(key);
            done.add(name);
        }
        if (done.isEmpty()) throw new WeightclassException(src.path() + ": --expand: the model stores no palette");
        return done;
    }

    /** Table values as stored bytes. */
    static MemorySegment table(float[] lut, TensorType type) {
        ByteBuffer b = ByteBuffer.allocate(lut.length * (type == TensorType.F16 ? 2 : 4)).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : lut) {
            if (type == TensorType.F16) b.putShort(Float.floatToFloat16(v));
            else b.putFloat(v);
        }
        return MemorySegment.ofArray(b.array());
    }

    /** Every element's table value as a plain F16/F32 tensor. */
    static MemorySegment expand(Palette p, int rows, int cols, MemorySegment idx, TensorType type) {
        if (type != TensorType.F16 && type != TensorType.F32) throw new WeightclassException("--expand is f16 or f32, not " + type);
        int size = type == TensorType.F16 ? 2 : 4;
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact((long) rows * cols * size)).order(ByteOrder.LITTLE_ENDIAN);
        long rowBytes = p.rowBytes(cols);
        for (int r = 0; r < rows; r++) {
            int base = (r / p.groupRows()) * p.entries();
            for (int c = 0; c < cols; c++) {
                float v = p.lut()[base + Palette.index(idx, r * rowBytes, c, p.bits())];
                if (size == 2) b.putShort(Float.floatToFloat16(v));
                else b.putFloat(v);
            }
        }
        return MemorySegment.ofArray(b.array());
    }
}
