package dev.weightclass.lora;

import dev.weightclass.format.gguf.GgufFile;
import dev.weightclass.format.gguf.GgufTensorSpec;
import dev.weightclass.format.gguf.GgufValue;
import dev.weightclass.format.gguf.GgufWriter;
import dev.weightclass.format.safetensors.SafetensorsWriter;
import dev.weightclass.quant.Quantizers;
import dev.weightclass.quant.TensorRows;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorType;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;

/** Small adapters and models written into a test's temporary folder. */
final class Fixtures {
    private Fixtures() {}

    /** Uniform values with standard deviation {@code sd} (a cheap generator: test bases have millions). */
    /** Runs the CLI: {exit code, stdout, stderr}. */
    static String[] run(String... args) {
        java.io.StringWriter out = new java.io.StringWriter(), err = new java.io.StringWriter();
        int code = dev.weightclass.cli.Main.run(args, new java.io.PrintWriter(out), new java.io.PrintWriter(err));
        return new String[] {String.valueOf(code), out.toString(), err.toString()};
    }

    static float[] random(Random r, int n, double sd) {
        float[] x = new float[n];
        long s = r.nextLong() | 1;
        double scale = sd * Math.sqrt(12) / (1L << 53);
        for (int i = 0; i < n; i++) {
            s ^= s << 13;
            s ^= s >>> 7;
            s ^= s << 17;
            x[i] = (float) (((s >>> 11) - (1L << 52)) * scale);
        }
        return x;
    }

    static ByteBuffer bytes(float[] x) {
        ByteBuffer b = ByteBuffer.allocate(4 * x.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(x);
        return b;
    }

    static SafetensorsWriter.Tensor f32(String name, long[] shape, float[] x) {
        return new SafetensorsWriter.Tensor(name, TensorType.F32, shape, ch -> {
            ByteBuffer b = bytes(x);
            while (b.hasRemaining()) ch.write(b);
        });
    }

    /** A PEFT folder: {@code pairs} maps module path to {A [r, in], B [out, r]} with their shapes. */
    record Pair(float[] a, float[] b, int r, int in, int out) {}

    static Path peft(Path dir, Map<String, Pair> pairs, String configJson) throws IOException {
        Files.createDirectories(dir);
        List<SafetensorsWriter.Tensor> t = new ArrayList<>();
        pairs.forEach((m, p) -> {
            t.add(f32("base_model.model." + m + ".lora_A.weight", new long[] {p.r(), p.in()}, p.a()));
            t.add(f32("base_model.model." + m + ".lora_B.weight", new long[] {p.out(), p.r()}, p.b()));
        });
        SafetensorsWriter.write(dir.resolve("adapter_model.safetensors"), t, Map.of("format", "pt"));
        Files.writeString(dir.resolve("adapter_config.json"), configJson);
        return dir;
    }

    static String config(int r, double alpha, boolean fanInFanOut, String... targets) {
        return "{\"peft_type\":\"LORA\",\"r\":" + r + ",\"lora_alpha\":" + alpha + ",\"fan_in_fan_out\":" + fanInFanOut
                + ",\"target_modules\":[\"" + String.join("\",\"", targets) + "\"],\"use_rslora\":false}";
    }

    /** Every tensor of a model as floats (row-major), by name. */
    static float[] floats(dev.weightclass.format.ModelFile m, String name) {
        TensorInfo t = m.tensor(name).orElseThrow();
        int cols = (int) t.rowLength();
        long rows = t.elements() / cols;
        float[] out = new float[(int) t.elements()];
        MemorySegment d = m.data(t);
        for (int r = 0; r < rows; r++) TensorRows.read(d, t.type(), cols, r, out, r * cols);
        return out;
    }

    /**
     * Copies a GGUF model, replacing the tensors {@code change} returns floats for (written in
     * {@code type}, or their own type when null).
     */
    static void rewriteGguf(GgufFile in, Path out, TensorType type, BiFunction<TensorInfo, float[], float[]> change)
            throws IOException {
        List<GgufTensorSpec> specs = new ArrayList<>();
        Map<String, float[]> changed = new LinkedHashMap<>();
        for (TensorInfo t : in.tensors()) {
            float[] x = t.rank() == 2 ? change.apply(t, floats(in, t.name())) : null;
            TensorType to = x != null && type != null ? type : t.type();
            if (x != null) changed.put(t.name(), x);
            specs.add(GgufTensorSpec.of(t).withType(to));
        }
        Map<String, GgufValue> kv = in.kv();
        GgufWriter.write(out, kv, specs, (index, spec, sink) -> {
            TensorInfo t = in.tensors().get(index);
            float[] x = changed.get(t.name());
            if (x == null) {
                sink.write(in.data(t));
                return;
            }
            int cols = (int) t.rowLength();
            var q = Quantizers.forType(spec.type());
            byte[] buf = new byte[q.rowBytes(cols)];
            for (int r = 0; r < x.length / cols; r++) {
                q.quantize(x, r * cols, cols, buf, 0);
                sink.write(ByteBuffer.wrap(buf));
            }
        });
    }

    /** delta = scale * B·A as (float)(scale * Σ_k (double) b a), [out][in] row-major. */
    static float[] delta(Pair p, double scale) {
        float[] d = new float[p.out() * p.in()];
        for (int o = 0; o < p.out(); o++) {
            for (int i = 0; i < p.in(); i++) {
                double s = 0;
                for (int k = 0; k < p.r(); k++) s += (double) p.b()[o * p.r() + k] * p.a()[k * p.in() + i];
                d[o * p.in() + i] = (float) (scale * s);
            }
        }
        return d;
    }
}
