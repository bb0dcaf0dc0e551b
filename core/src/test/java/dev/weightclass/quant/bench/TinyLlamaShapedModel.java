package dev.weightclass.quant.bench;

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
import java.util.SplittableRandom;

/**
 * Writes a F16 GGUF with TinyLlama-1.1B's shapes (22 layers, n_embd 2048, n_ff 5632, 32 heads,
 * 4 KV heads, vocab 32000, untied output: 1,100,048,384 parameters) and random N(0, 0.02^2)
 * weights, streamed in 1 MiB chunks. The input of the quantize benchmark in docs/BENCHMARKS.md.
 *
 * <p>Usage: {@code TinyLlamaShapedModel OUTPUT.gguf}
 */
public final class TinyLlamaShapedModel {
    private TinyLlamaShapedModel() {}

    public static void main(String[] args) throws IOException {
        write(Path.of(args[0]));
    }

    public static void write(Path target) throws IOException {
        write(target, 22, 32000, false);
    }

    /**
     * The same shapes with {@code layers} layers and a {@code vocab}-row embedding and output.
     *
     * @param pooled draw 1 M weights once and fill each 1 MiB chunk from a random place in that
     *               pool (same distribution, much faster to write) instead of drawing every weight
     */
    public static void write(Path target, int layers, int vocab, boolean pooled) throws IOException {
        int embd = 2048, ff = 5632, heads = 32, kvHeads = 4;
        int kvDim = embd / heads * kvHeads;
        Map<String, GgufValue> kv = new LinkedHashMap<>();
        kv.put("general.architecture", GgufValue.string("llama"));
        kv.put("general.name", GgufValue.string("tinyllama-shaped-random"));
        kv.put("llama.context_length", GgufValue.u32(2048));
        kv.put("llama.embedding_length", GgufValue.u32(embd));
        kv.put("llama.block_count", GgufValue.u32(layers));
        kv.put("llama.feed_forward_length", GgufValue.u32(ff));
        kv.put("llama.rope.dimension_count", GgufValue.u32(embd / heads));
        kv.put("llama.attention.head_count", GgufValue.u32(heads));
        kv.put("llama.attention.head_count_kv", GgufValue.u32(kvHeads));
        kv.put("llama.attention.layer_norm_rms_epsilon", GgufValue.f32(1e-5f));
        kv.put("llama.vocab_size", GgufValue.u32(vocab));
        kv.put("general.file_type", GgufValue.u32(1));

        List<GgufTensorSpec> specs = new ArrayList<>();
        specs.add(new GgufTensorSpec("token_embd.weight", new long[]{embd, vocab}, TensorType.F16));
        for (int i = 0; i < layers; i++) {
            String p = "blk." + i + ".";
            specs.add(new GgufTensorSpec(p + "attn_norm.weight", new long[]{embd}, TensorType.F32));
            specs.add(new GgufTensorSpec(p + "attn_q.weight", new long[]{embd, embd}, TensorType.F16));
            specs.add(new GgufTensorSpec(p + "attn_k.weight", new long[]{embd, kvDim}, TensorType.F16));
            specs.add(new GgufTensorSpec(p + "attn_v.weight", new long[]{embd, kvDim}, TensorType.F16));
            specs.add(new GgufTensorSpec(p + "attn_output.weight", new long[]{embd, embd}, TensorType.F16));
            specs.add(new GgufTensorSpec(p + "ffn_norm.weight", new long[]{embd}, TensorType.F32));
            specs.add(new GgufTensorSpec(p + "ffn_gate.weight", new long[]{embd, ff}, TensorType.F16));
            specs.add(new GgufTensorSpec(p + "ffn_up.weight", new long[]{embd, ff}, TensorType.F16));
            specs.add(new GgufTensorSpec(p + "ffn_down.weight", new long[]{ff, embd}, TensorType.F16));
        }
        specs.add(new GgufTensorSpec("output_norm.weight", new long[]{embd}, TensorType.F32));
        specs.add(new GgufTensorSpec("output.weight", new long[]{embd, vocab}, TensorType.F16));

        SplittableRandom rnd = new SplittableRandom(1);
        short[] pool = new short[pooled ? 1 << 20 : 0];
        for (int i = 0; i < pool.length; i++) pool[i] = Float.floatToFloat16((float) (rnd.nextGaussian() * 0.02));
        GgufWriter.write(target, kv, specs, (index, spec, sink) -> {
            ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            long left = spec.byteSize();
            boolean f32 = spec.type() == TensorType.F32;
            while (left > 0) {
                buf.clear();
                int n = (int) Math.min(buf.capacity(), left);
                buf.limit(n);
                int from = pooled ? rnd.nextInt(pool.length) : 0;
                for (int i = from; buf.hasRemaining(); i++) {
                    if (pooled && !f32) buf.putShort(pool[i % pool.length]);
                    else if (f32) buf.putFloat((float) (1 + rnd.nextGaussian() * 0.01));
                    else buf.putShort(Float.floatToFloat16((float) (rnd.nextGaussian() * 0.02)));
                }
                buf.flip();
                sink.write(buf);
                left -= n;
            }
        });
    }
}
