package dev.weightclass.distill.decoder;

import dev.weightclass.distill.train.Param;
import dev.weightclass.format.gguf.GgufFile;
import dev.weightclass.format.gguf.GgufTensorSpec;
import dev.weightclass.format.gguf.GgufValue;
import dev.weightclass.format.gguf.GgufValueType;
import dev.weightclass.format.gguf.GgufWriter;
import dev.weightclass.runtime.LlamaConfig;
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
 * Writes a student as a GGUF file of the teacher's family: the teacher's metadata and tokenizer
 * with the block count, widths, head counts and per-block arrays of the student, F32 tensors under the
 * standard names (quantize it afterwards like any model).
 */
final class GgufExport {
    private GgufExport() {}

    static void write(Path out, GgufFile teacher, TorchLlama student, int[] layers) throws IOException {
        write(out, teacher.kv(), null, teacher.hyperparameters().layers(), student, layers);
    }

    /**
     * @param teacherKv     the teacher's GGUF metadata (converted, for a llama2.c teacher)
     * @param tokenizer     the student's {@code tokenizer.*} keys when its vocabulary is smaller, else null
     * @param teacherLayers the teacher's block count (per-block arrays follow the kept blocks)
     */
    static void write(Path out, Map<String, GgufValue> teacherKv, Map<String, GgufValue> tokenizer, int teacherLayers,
                      TorchLlama student, int[] layers) throws IOException {
        String arch = teacherKv.get("general.architecture").asString();
        String p = arch + ".";
        Map<String, GgufValue> kv = new LinkedHashMap<>();
        for (Map.Entry<String, GgufValue> e : teacherKv.entrySet()) {
            String key = e.getKey();
            GgufValue v = e.getValue();
            if (tokenizer != null && key.startsWith("tokenizer.")) continue;
            if (key.equals(p + "vocab_size")) v = GgufValue.u32(student.config().vocabSize());
            else if (key.equals(p + "block_count")) v = GgufValue.u32(student.config().layers());
            else if (key.equals(p + "feed_forward_length") && !v.isArray()) v = GgufValue.u32(student.config().ffnDim());
            else if (key.equals(p + "embedding_length")) v = GgufValue.u32(student.config().dim());
            else if (key.equals(p + "attention.head_count")) v = perBlock(v, student.config().heads(), layers.length);
            else if (key.equals(p + "attention.head_count_kv")) v = perBlock(v, student.config().kvHeads(), layers.length);
            else if (key.equals("general.file_type")) v = GgufValue.u32(0); // ALL_F32
            else if (key.startsWith(p) && v.isArray() && v.size() == teacherLayers) {
                List<?> l = (List<?>) v.value();
                List<Object> keep = new ArrayList<>();
                for (int src : layers) keep.add(l.get(src)); // per-block values follow their block
                v = GgufValue.array(v.elementType(), keep);
            }
            kv.put(key, v);
        }
        if (tokenizer != null) kv.putAll(tokenizer);
        LlamaConfig c = student.config();
        if (c.dim() != c.qDim() && !kv.containsKey(p + "attention.key_length")) {
            // the runtimes assume head width = width / heads unless told otherwise
            kv.put(p + "attention.key_length", GgufValue.u32(c.headDim()));
            kv.put(p + "attention.value_length", GgufValue.u32(c.headDim()));
        }
        GgufValue name = teacherKv.get("general.name");
        GgufValue width = teacherKv.get(p + "embedding_length");
        kv.put("general.name", GgufValue.string((name == null ? "model" : name.asString()) + " (distilled: " + layers.length
                + " of " + teacherLayers + " blocks" + (width != null && c.dim() < width.asLong() ? ", width " + c.dim() : "")
                + (tokenizer == null ? "" : ", " + c.vocabSize() + " tokens") + ")"));
        List<Param> params = student.parameters();
        List<GgufTensorSpec> specs = new ArrayList<>();
        for (Param q : params) {
            long[] shape = q.value().getShape().getShape();
            long[] ne = new long[shape.length];
            for (int i = 0; i < shape.length; i++) ne[i] = shape[shape.length - 1 - i]; // GGUF: innermost first
            specs.add(new GgufTensorSpec(q.name(), ne, TensorType.F32));
        }
        GgufWriter.write(out, kv, specs, (index, spec, sink) -> {
            float[] f = params.get(index).value().toFloatArray();
            ByteBuffer b = ByteBuffer.allocate(f.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(f);
            sink.write(b);
        });
    }

    /** A head count, as one value or one per block (some files store it per block). */
    private static GgufValue perBlock(GgufValue v, int heads, int blocks) {
        if (!v.isArray()) return GgufValue.u32(heads);
        Object h = v.elementType() == GgufValueType.INT32 ? (Object) heads : (Object) (long) heads;
        return GgufValue.array(v.elementType(), java.util.Collections.nCopies(blocks, h));
    }
}
