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
        quantize(QuantSource.of(in), target, types, fileType, threads, progress, false);
    }

    /**
     * Quantizes any {@link QuantSource} (GGUF, or a model converted on the fly) into a GGUF file.
     *
     * @param measure also decode every written row and measure the round-trip error, in the
     *                same pass and on the same worker threads
     * @return one entry per tensor in output order when {@code measure}, else an empty list
     */
    public static List<RoundTripError> quantize(QuantSource in, Path target, Map<String, TensorType> types,
                                                int fileType, int threads, LongConsumer progress, boolean measure)
            throws IOException {
        List<TensorInfo> order = llamaOrder(in.tensors());
        List<GgufTensorSpec> specs = specs(order, types);
        Map<String, GgufValue> kv = outputMetadata(in.kv(), fileType);
        List<RoundTripError> errors = new ArrayList<>();
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
                    copy(in, src, data, sink);
                    if (measure) errors.add(new RoundTripError(src.name(), src.type(), spec.type(), spec.byteSize(),
                            src.elements(), 0, 0));
                } else {
                    RoundTripError e = convert(in, data, src, spec.type(), sink, pool, measure);
                    if (measure) errors.add(e);
                }
                if (progress != null) progress.accept(src.byteSize());
            });
        } finally {
            pool.shutdownNow();
        }
        return errors;
    }

    /** The output's tensor specs, in output order (rows that do not fit the block size fail here). */
    static List<GgufTensorSpec> specs(List<TensorInfo> order, Map<String, TensorType> types) {
        List<GgufTensorSpec> specs = new ArrayList<>();
        for (TensorInfo t : order) specs.add(GgufTensorSpec.of(t).withType(types.getOrDefault(t.name(), t.type())));
        for (GgufTensorSpec s : specs) s.byteSize();
        return specs;
    }

    /** The exact size of the GGUF file {@link #quantize} writes for these types. */
    public static long outputSize(QuantSource in, Map<String, TensorType> types, int fileType) {
        Map<String, GgufValue> kv = outputMetadata(in.kv(), fileType);
        return GgufWriter.fileSize(GgufWriter.DEFAULT_VERSION, kv, specs(llamaOrder(in.tensors()), types),
                GgufWriter.alignmentOf(kv));
    }

    /** Writes a tensor unchanged: whole, or row by row when the input keeps its rows in another order. */
    private static void copy(QuantSource in, TensorInfo src, MemorySegment data, GgufWriter.TensorSink sink)
            throws IOException {
        if (in.rowsInOrder(src)) {
            sink.write(data);
            return;
        }
        long n = src.rowLength(), rows = src.elements() / Math.max(1, n);
        long rowBytes = TensorRows.rowBytes(src.type(), n);
        for (long r = 0; r < rows; r++) sink.write(data.asSlice(in.storedRow(src, r) * rowBytes, rowBytes));
    }

    /** One chunk of output rows and, when measured, its round-trip error. */
    private record Chunk(byte[] out, double sumSquares, double maxAbs) {}

    /** Converts one tensor row chunk by row chunk; chunks run in parallel, are written in order. */
    static RoundTripError convert(QuantSource in, MemorySegment data, TensorInfo src, TensorType to,
                                  GgufWriter.TensorSink sink, ExecutorService pool, boolean measure) throws IOException {
        int n = Math.toIntExact(src.rowLength());
        long rows = src.elements() / Math.max(1, n);
        RowQuantizer q = Quantizers.forType(to);
        int rowBytes = q.rowBytes(n);
        int rowsPerChunk = Math.max(1, CHUNK_BYTES / Math.max(1, rowBytes));
        int inFlight = 4 * Math.max(1, ((java.util.concurrent.ThreadPoolExecutor) pool).getMaximumPoolSize());
        List<Future<Chunk>> pending = new ArrayList<>();
        double[] total = {0, 0};
        try {
            for (long first = 0; first < rows; first += rowsPerChunk) {
                long start = first;
                int count = (int) Math.min(rowsPerChunk, rows - first);
                pending.add(pool.submit(() -> {
                    float[] x = new float[n];
                    float[] back = measure ? new float[n] : null;
                    double[] sse = {0}, max = {0};
                    byte[] out = new byte[count * rowBytes];
                    for (int r = 0; r < count; r++) {
                        TensorRows.read(data, src.type(), n, in.storedRow(src, start + r), x, 0);
                        q.quantize(x, 0, n, out, r * rowBytes);
                        if (measure) {
                            q.dequantize(out, r * rowBytes, back, 0, n);
                            RoundTripError.accumulate(x, back, n, sse, max);
                        }
                    }
                    return new Chunk(out, sse[0], max[0]);
                }));
                if (pending.size() >= inFlight) write(pending.removeFirst().get(), sink, total);
            }
            while (!pending.isEmpty()) write(pending.removeFirst().get(), sink, total);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while quantizing " + src.name(), e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) throw re;
            throw new IOException("quantizing " + src.name() + " failed", c);
        } finally {
            for (Future<Chunk> f : pending) f.cancel(true);
        }
        return new RoundTripError(src.name(), src.type(), to, (long) rowBytes * rows, src.elements(), total[0], total[1]);
    }

    private static void write(Chunk c, GgufWriter.TensorSink sink, double[] total) throws IOException {
        sink.write(ByteBuffer.wrap(c.out()));
        total[0] += c.sumSquares();
        total[1] = Math.max(total[1], c.maxAbs());
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
