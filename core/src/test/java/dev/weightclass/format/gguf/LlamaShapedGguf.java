package dev.weightclass.format.gguf;

import dev.weightclass.format.ModelFile;
import dev.weightclass.size.ModelInspection;
import dev.weightclass.tensor.TensorType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a llama-architecture GGUF with the shapes of a real model and almost no data: each
 * tensor gets 16 distinct bytes at its start and a hole for the rest, so a 3.8 GB Q4_0 file with
 * Llama-2-7B's shapes costs a few KB of disk. For header-level work (inspect, size prediction).
 * <p>Run as a program to time {@code inspect} on it:
 * <pre>
 * mvn -q -o -B test-compile
 * java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *   -cp target/classes:target/test-classes:target/lib/'*' \
 *   dev.weightclass.format.gguf.LlamaShapedGguf [OUT.gguf] [REPEATS]
 * </pre>
 */
public final class LlamaShapedGguf {
    private LlamaShapedGguf() {}

    /** Shapes of a llama-style model. */
    public record Shape(int layers, int width, int ffn, int vocab, int heads, int kvHeads, int context) {
        public static final Shape LLAMA2_7B = new Shape(32, 4096, 11008, 32000, 32, 32, 4096);
        public static final Shape TINYLLAMA_1_1B = new Shape(22, 2048, 5632, 32000, 32, 4, 2048);
    }

    /** The tensor list llama.cpp's converter writes, 2-D weights in {@code type}, norms F32. */
    public static List<GgufTensorSpec> tensors(Shape s, TensorType type) {
        int kvWidth = s.width() / s.heads() * s.kvHeads();
        List<GgufTensorSpec> t = new ArrayList<>();
        t.add(new GgufTensorSpec("token_embd.weight", new long[] {s.width(), s.vocab()}, type));
        for (int i = 0; i < s.layers(); i++) {
            String b = "blk." + i + ".";
            t.add(new GgufTensorSpec(b + "attn_norm.weight", new long[] {s.width()}, TensorType.F32));
            t.add(new GgufTensorSpec(b + "attn_q.weight", new long[] {s.width(), s.width()}, type));
            t.add(new GgufTensorSpec(b + "attn_k.weight", new long[] {s.width(), kvWidth}, type));
            t.add(new GgufTensorSpec(b + "attn_v.weight", new long[] {s.width(), kvWidth}, type));
            t.add(new GgufTensorSpec(b + "attn_output.weight", new long[] {s.width(), s.width()}, type));
            t.add(new GgufTensorSpec(b + "ffn_norm.weight", new long[] {s.width()}, TensorType.F32));
            t.add(new GgufTensorSpec(b + "ffn_gate.weight", new long[] {s.width(), s.ffn()}, type));
            t.add(new GgufTensorSpec(b + "ffn_up.weight", new long[] {s.width(), s.ffn()}, type));
            t.add(new GgufTensorSpec(b + "ffn_down.weight", new long[] {s.ffn(), s.width()}, type));
        }
        t.add(new GgufTensorSpec("output_norm.weight", new long[] {s.width()}, TensorType.F32));
        t.add(new GgufTensorSpec("output.weight", new long[] {s.width(), s.vocab()}, type));
        return t;
    }

    public static Map<String, GgufValue> metadata(Shape s) {
        Map<String, GgufValue> kv = new LinkedHashMap<>();
        kv.put("general.architecture", GgufValue.string("llama"));
        kv.put("general.name", GgufValue.string("llama-shaped"));
        kv.put("llama.context_length", GgufValue.u32(s.context()));
        kv.put("llama.embedding_length", GgufValue.u32(s.width()));
        kv.put("llama.block_count", GgufValue.u32(s.layers()));
        kv.put("llama.feed_forward_length", GgufValue.u32(s.ffn()));
        kv.put("llama.attention.head_count", GgufValue.u32(s.heads()));
        kv.put("llama.attention.head_count_kv", GgufValue.u32(s.kvHeads()));
        kv.put("llama.attention.layer_norm_rms_epsilon", GgufValue.f32(1e-5f));
        kv.put("llama.vocab_size", GgufValue.u32(s.vocab()));
        kv.put("general.file_type", GgufValue.u32(2));
        return kv;
    }

    /** Writes the sparse file; returns its path. */
    public static Path write(Path out, Shape s, TensorType type) throws IOException {
        GgufWriter.write(out, metadata(s), tensors(s, type), LlamaShapedGguf::markedHole);
        return out;
    }

    /** 16 bytes that differ per tensor (the tensor's index, then a pattern), then a hole. */
    static void markedHole(int index, GgufTensorSpec t, GgufWriter.TensorSink out) throws IOException {
        int n = (int) Math.min(16, t.byteSize());
        ByteBuffer b = ByteBuffer.allocate(16).putInt(index + 1);
        for (int i = 4; i < 16; i++) b.put((byte) (i * 7 + 1));
        out.write(b.flip().limit(n));
        out.skip(t.byteSize() - n);
    }

    public static void main(String[] args) throws IOException {
        Path out = args.length > 0 ? Path.of(args[0]) : Files.createTempFile("llama2-7b-shaped-", ".gguf");
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        long t0 = System.nanoTime();
        write(out, Shape.LLAMA2_7B, TensorType.Q4_0);
        long t1 = System.nanoTime();
        System.out.printf("wrote %s: %,d bytes in %.1f ms%n", out, Files.size(out), (t1 - t0) / 1e6);
        for (int r = 0; r < repeats; r++) {
            long a = System.nanoTime();
            ModelInspection in;
            try (ModelFile m = ModelFile.open(out)) {
                in = ModelInspection.of(m);
            }
            long b = System.nanoTime();
            System.out.printf("inspect #%d: %,d parameters (%s) in %.1f ms%n", r + 1, in.parameters(), in.sizeClass(), (b - a) / 1e6);
        }
        if (args.length == 0) Files.delete(out);
    }
}
