package dev.weightclass.quant;

import dev.weightclass.format.gguf.GgufFile;
import dev.weightclass.format.gguf.GgufTensorSpec;
import dev.weightclass.format.gguf.GgufValue;
import dev.weightclass.format.gguf.GgufWriter;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorType;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongConsumer;

/**
 * Writes a GGUF model with every tensor converted to the type a plan gives it, the way
 * llama-quantize writes its output: tensors in llama.cpp's loader order (non-layer tensors by
 * name, then each layer's tensors by name), the input's metadata with
 * {@code general.quantization_version} and {@code general.file_type} (re)appended, tensor data
 * streamed tensor by tensor and quantized in parallel over row chunks. Tensors whose type does
 * not change are copied byte for byte.
 *
 * <p>Heap use is bounded by the chunk buffers in flight, not by the model size.
 */
public final class GgufQuantizer {
    private GgufQuantizer() {}

    /** ggml's quantization format version written by llama.cpp (GGML_QNT_VERSION). */
    public static final int QUANTIZATION_VERSION = 2;
    /** Target bytes of output per parallel work item. */
    private static final int CHUNK_BYTES = 1 << 18;

    /**
     * Quantizes {@code in} into {@code target} atomically.
     *
     * @param types    target type per tensor name; tensors not in the map keep their type
     * @param fileType the {@code general.file_type} (llama_ftype) to record
     * @param threads  worker threads (>= 1)
     * @param progress receives the number of input bytes done after each chunk (may be null)
     */
    public static void quantize(GgufFile in, Path target, Map<String, TensorType> types, int fileType,
                                int threads, LongConsumer progress) throws IOException {
        List<TensorInfo> order = llamaOrder(in.tensors());
        List<GgufTensorSpec> specs = new ArrayList<>();
        for (TensorInfo t : order) {
            specs.add(GgufTensorSpec.of(t).withType(types.getOrDefault(t.name(), t.type())));
        }
        for (GgufTensorSpec s : specs) s.byteSize(); // rows that do not fit the block size fail here
        Map<String, GgufValue> kv = outputMetadata(in.kv(), fileType);
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
            Thread th = new Thread(r, "quantize");
            th.setDaemon(true);
            return th;
        });
        try {
            GgufWriter.write(target, kv, specs, (index, spec, sink) -> {
                TensorInfo src = order.get(index);
                MemorySegment data = in.data(src);
                if (spec.type() == src.type()) {
                    sink.write(data);
                } else {
                    convert(data, src, spec.type(), sink, pool);
                }
                if (progress != null) progress.accept(src.byteSize());
            });
        } finally {
            pool.shutdownNow();
        }
    }

    /** Converts one tensor row chunk by row chunk; chunks run in parallel, are written in order. */
    static void convert(MemorySegment data, TensorInfo src, TensorType to, GgufWriter.TensorSink sink,
                        ExecutorService pool) throws IOException {
        int n = Math.toIntExact(src.rowLength());
        long rows = src.elements() / Math.max(1, n);
        RowQuantizer q = Quantizers.forType(to);
        int rowBytes = q.rowBytes(n);
        int rowsPerChunk = Math.max(1, CHUNK_BYTES / Math.max(1, rowBytes));
        int inFlight = 4 * Math.max(1, ((java.util.concurrent.ThreadPoolExecutor) pool).getMaximumPoolSize());
        List<Future<byte[]>> pending = new ArrayList<>();
        try {
            for (long first = 0; first < rows; first += rowsPerChunk) {
                long start = first;
                int count = (int) Math.min(rowsPerChunk, rows - first);
                pending.add(pool.submit(() -> {
                    float[] x = new float[n];
                    byte[] out = new byte[count * rowBytes];
                    for (int r = 0; r < count; r++) {
                        TensorRows.read(data, src.type(), n, start + r, x, 0);
                        q.quantize(x, 0, n, out, r * rowBytes);
                    }
                    return out;
                }));
                if (pending.size() >= inFlight) sink.write(ByteBuffer.wrap(pending.removeFirst().get()));
            }
            while (!pending.isEmpty()) sink.write(ByteBuffer.wrap(pending.removeFirst().get()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while quantizing " + src.name(), e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) throw re;
            throw new IOException("quantizing " + src.name() + " failed", c);
        } finally {
            for (Future<byte[]> f : pending) f.cancel(true);
        }
    }

    /** llama.cpp's tensor order (see {@link QuantPlan#LLAMA_ORDER}). */
    public static List<TensorInfo> llamaOrder(List<TensorInfo> tensors) {
        List<TensorInfo> sorted = new ArrayList<>(tensors);
        sorted.sort(QuantPlan.LLAMA_ORDER);
        return sorted;
    }

    /**
     * The input's metadata as llama-quantize writes it: every key in order, then
     * {@code general.quantization_version} and {@code general.file_type} removed and appended.
     */
    public static Map<String, GgufValue> outputMetadata(Map<String, GgufValue> in, int fileType) {
        Map<String, GgufValue> kv = new LinkedHashMap<>(in);
        kv.remove("general.quantization_version");
        kv.put("general.quantization_version", GgufValue.u32(QUANTIZATION_VERSION));
        kv.remove("general.file_type");
        kv.put("general.file_type", GgufValue.u32(fileType));
        return kv;
    }
}
