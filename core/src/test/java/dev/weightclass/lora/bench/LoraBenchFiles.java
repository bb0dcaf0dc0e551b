package dev.weightclass.lora.bench;

import dev.weightclass.format.gguf.GgufTensorSpec;
import dev.weightclass.format.gguf.GgufValue;
import dev.weightclass.format.gguf.GgufWriter;
import dev.weightclass.runtime.SyntheticLlama;
import dev.weightclass.tensor.TensorType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes the inputs of the LoRA timings in docs/BENCHMARKS.md into a folder:
 * <ul>
 * <li>{@code attn-base.gguf}, {@code attn-ft.gguf}: the attention matrices (q, k, v, o) of the
 *     first LAYERS blocks of a TinyLlama-1.1B-shaped model, F32; the fine-tune adds a rank-16
 *     update plus full-rank noise 100x smaller, so the spectrum is realistic, not exactly low-rank;</li>
 * <li>{@code tinyllama-q4_0.gguf}: the whole random TinyLlama-shaped model in Q4_0;</li>
 * <li>{@code adapter-r16.gguf}: a random rank-16 GGUF adapter on q, k, v, o of all 22 blocks.</li>
 * </ul>
 * Usage: {@code java -cp ... dev.weightclass.lora.bench.LoraBenchFiles DIR [LAYERS]}. Not a test.
 */
public final class LoraBenchFiles {
    private LoraBenchFiles() {}

    static final int DIM = 2048, KV = 256, RANK = 16;

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int layers = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        Files.createDirectories(dir);
        SplittableRandom rnd = new SplittableRandom(1);
        List<GgufTensorSpec> specs = new ArrayList<>();
        List<float[]> base = new ArrayList<>(), ft = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            for (String[] t : new String[][] {{"attn_q", "" + DIM}, {"attn_k", "" + KV}, {"attn_v", "" + KV}, {"attn_output", "" + DIM}}) {
                int rows = Integer.parseInt(t[1]);
                specs.add(new GgufTensorSpec("blk." + l + "." + t[0] + ".weight", new long[] {DIM, rows}, TensorType.F32));
                float[] w = uniform(rnd, rows * DIM, 0.02);
                float[] b = uniform(rnd, rows * RANK, 0.01), a = uniform(rnd, RANK * DIM, 0.01);
                float[] f = w.clone();
                for (int r = 0; r < rows; r++) {
                    for (int k = 0; k < RANK; k++) {
                        float br = b[r * RANK + k];
                        for (int c = 0; c < DIM; c++) f[r * DIM + c] += br * a[k * DIM + c];
                    }
                }
                for (int i = 0; i < f.length; i++) f[i] += (float) (rnd.nextDouble(-1, 1) * 2e-5);
                base.add(w);
                ft.add(f);
            }
        }
        Map<String, GgufValue> kv = new LinkedHashMap<>();
        kv.put("general.architecture", GgufValue.string("llama"));
        kv.put("llama.block_count", GgufValue.u32(layers));
        GgufWriter.write(dir.resolve("attn-base.gguf"), kv, specs, (i, s, sink) -> sink.write(bytes(base.get(i))));
        GgufWriter.write(dir.resolve("attn-ft.gguf"), kv, specs, (i, s, sink) -> sink.write(bytes(ft.get(i))));

        SyntheticLlama.write(dir.resolve("tinyllama-q4_0.gguf"), SyntheticLlama.TINYLLAMA_1_1B, TensorType.Q4_0, 7);

        Map<String, GgufValue> akv = new LinkedHashMap<>();
        akv.put("general.architecture", GgufValue.string("llama"));
        akv.put("general.type", GgufValue.string("adapter"));
        akv.put("adapter.type", GgufValue.string("lora"));
        akv.put("adapter.lora.alpha", GgufValue.f32(2 * RANK));
        List<GgufTensorSpec> aspecs = new ArrayList<>();
        for (int l = 0; l < 22; l++) {
            for (String[] t : new String[][] {{"attn_q", "" + DIM}, {"attn_k", "" + KV}, {"attn_v", "" + KV}, {"attn_output", "" + DIM}}) {
                String n = "blk." + l + "." + t[0] + ".weight";
                aspecs.add(new GgufTensorSpec(n + ".lora_a", new long[] {DIM, RANK}, TensorType.F32));
                aspecs.add(new GgufTensorSpec(n + ".lora_b", new long[] {RANK, Integer.parseInt(t[1])}, TensorType.F32));
            }
        }
        GgufWriter.write(dir.resolve("adapter-r16.gguf"), akv, aspecs,
                (i, s, sink) -> sink.write(bytes(uniform(rnd, (int) s.elements(), 0.01))));
    }

    /** Uniform values of standard deviation sd. */
    static float[] uniform(SplittableRandom r, int n, double sd) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (r.nextDouble(-1, 1) * sd * Math.sqrt(3));
        return x;
    }

    static ByteBuffer bytes(float[] x) {
        ByteBuffer b = ByteBuffer.allocate(4 * x.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(x);
        return b;
    }
}
