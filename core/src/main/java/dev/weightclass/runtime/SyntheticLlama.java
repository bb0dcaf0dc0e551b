package dev.weightclass.runtime;

import dev.weightclass.format.gguf.GgufTensorSpec;
import dev.weightclass.format.gguf.GgufValue;
import dev.weightclass.format.gguf.GgufWriter;
import dev.weightclass.tensor.TensorType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a llama GGUF of a given shape with random weights, for speed and memory benchmarks where
 * only the shape matters. Weights are written directly in the target type (random block scales and
 * quants: no float model is ever materialised), norms in F32, streamed tensor by tensor.
 */
public final class SyntheticLlama {
    private SyntheticLlama() {}

    /** A model shape. */
    public record Shape(String name, int dim, int layers, int ffn, int heads, int kvHeads, int vocab, int context) {
        public long parameters() {
            long hd = dim / heads;
            long perLayer = 2L * dim + (long) dim * dim * 2 + 2L * dim * kvHeads * hd + 3L * dim * ffn;
            return perLayer * layers + 2L * vocab * dim + dim;
        }
    }

    /** TinyLlama-1.1B: 1,100,048,384 parameters. */
    public static final Shape TINYLLAMA_1_1B = new Shape("TinyLlama-1.1B", 2048, 22, 5632, 32, 4, 32000, 2048);

    public static void write(Path target, Shape s, TensorType type, long seed) throws IOException {
        Map<String, GgufValue> kv = new LinkedHashMap<>();
        kv.put("general.architecture", GgufValue.string("llama"));
        kv.put("general.name", GgufValue.string(s.name() + "-shaped random " + type));
        kv.put("llama.context_length", GgufValue.u32(s.context()));
        kv.put("llama.embedding_length", GgufValue.u32(s.dim()));
        kv.put("llama.block_count", GgufValue.u32(s.layers()));
        kv.put("llama.feed_forward_length", GgufValue.u32(s.ffn()));
        kv.put("llama.attention.head_count", GgufValue.u32(s.heads()));
        kv.put("llama.attention.head_count_kv", GgufValue.u32(s.kvHeads()));
        kv.put("llama.attention.layer_norm_rms_epsilon", GgufValue.f32(1e-5f));
        kv.put("llama.rope.freq_base", GgufValue.f32(10000f));
        kv.put("llama.vocab_size", GgufValue.u32(s.vocab()));
        int kvDim = s.kvHeads() * (s.dim() / s.heads());
        List<GgufTensorSpec> t = new ArrayList<>();
        t.add(new GgufTensorSpec("token_embd.weight", new long[] {s.dim(), s.vocab()}, type));
        for (int l = 0; l < s.layers(); l++) {
            String p = "blk." + l + ".";
            t.add(new GgufTensorSpec(p + "attn_norm.weight", new long[] {s.dim()}, TensorType.F32));
            t.add(new GgufTensorSpec(p + "attn_q.weight", new long[] {s.dim(), s.dim()}, type));
            t.add(new GgufTensorSpec(p + "attn_k.weight", new long[] {s.dim(), kvDim}, type));
            t.add(new GgufTensorSpec(p + "attn_v.weight", new long[] {s.dim(), kvDim}, type));
            t.add(new GgufTensorSpec(p + "attn_output.weight", new long[] {s.dim(), s.dim()}, type));
            t.add(new GgufTensorSpec(p + "ffn_norm.weight", new long[] {s.dim()}, TensorType.F32));
            t.add(new GgufTensorSpec(p + "ffn_gate.weight", new long[] {s.dim(), s.ffn()}, type));
            t.add(new GgufTensorSpec(p + "ffn_up.weight", new long[] {s.dim(), s.ffn()}, type));
            t.add(new GgufTensorSpec(p + "ffn_down.weight", new long[] {s.ffn(), s.dim()}, type));
        }
        t.add(new GgufTensorSpec("output_norm.weight", new long[] {s.dim()}, TensorType.F32));
        t.add(new GgufTensorSpec("output.weight", new long[] {s.dim(), s.vocab()}, type));
        GgufWriter.write(target, kv, t, (i, spec, out) -> {
            long[] state = {seed * 0x9E3779B97F4A7C15L + i + 1};
            ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            long left = spec.byteSize();
            int rowLen = (int) spec.ne()[0];
            while (left > 0) {
                buf.clear();
                fill(buf, spec.type(), rowLen, state, (int) Math.min(left, chunkBytes(spec.type(), buf.capacity())));
                buf.flip();
                left -= buf.remaining();
                out.write(buf);
            }
        });
    }

    private static int chunkBytes(TensorType type, int capacity) {
        return capacity / type.blockBytes() * type.blockBytes();
    }

    /** Random but well-formed values: norms near 1, weights ~ U(-0.05, 0.05)-sized. */
    private static void fill(ByteBuffer buf, TensorType type, int rowLen, long[] st, int bytes) {
        switch (type) {
            case F32 -> {
                for (int i = 0; i < bytes / 4; i++) buf.putFloat(1f + (uniform(st) - 0.5f) * 0.02f);
            }
            case F16 -> {
                for (int i = 0; i < bytes / 2; i++) buf.putShort(Float.floatToFloat16((uniform(st) - 0.5f) * 0.1f));
            }
            case Q8_0, Q4_0 -> {
                int blocks = bytes / type.blockBytes();
                short scale = Float.floatToFloat16(type == TensorType.Q8_0 ? 0.05f / 127 : 0.05f / 8);
                byte[] qs = new byte[type.blockBytes() - 2];
                for (int b = 0; b < blocks; b++) {
                    buf.putShort(scale);
                    for (int j = 0; j < qs.length; j += 8) {
                        long r = next(st);
                        for (int k = 0; k < 8 && j + k < qs.length; k++) qs[j + k] = (byte) (r >>> (8 * k));
                    }
                    buf.put(qs);
                }
            }
            default -> throw new IllegalArgumentException("synthetic models are written in F32, F16, Q8_0 or Q4_0, not " + type);
        }
    }

    private static long next(long[] st) {
        long x = st[0];
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        return st[0] = x;
    }

    private static float uniform(long[] st) {
        return (next(st) >>> 40) / (float) (1L << 24);
    }
}
