package dev.weightclass.lora;

import dev.weightclass.WeightclassException;
import dev.weightclass.format.AtomicOutput;
import dev.weightclass.format.ModelFile;
import dev.weightclass.format.ModelFormat;
import dev.weightclass.format.gguf.GgufFile;
import dev.weightclass.format.gguf.GgufTensorSpec;
import dev.weightclass.format.gguf.GgufWriter;
import dev.weightclass.format.safetensors.SafetensorsFile;
import dev.weightclass.format.safetensors.SafetensorsWriter;
import dev.weightclass.quant.Quantizers;
import dev.weightclass.quant.RowQuantizer;
import dev.weightclass.quant.TensorRows;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorType;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.LongConsumer;

/**
 * Writes a base model with an adapter's updates added in: {@code W' = W + scale * B·A}
 * (transposed for Conv1D/fan_in_fan_out weights). A GGUF base gives a GGUF file (same metadata,
 * tensor order and types), a safetensors base a safetensors file. Touched tensors are decoded
 * row by row, merged, and encoded back to their own type (a quantized tensor is requantized),
 * and the error that re-encoding adds is measured; other tensors are copied byte for byte.
 * Rows are processed in parallel chunks and written in order, so heap stays bounded.
 */
public final class LoraMerge {
    private LoraMerge() {}

    private static final int CHUNK_BYTES = 1 << 18;

    /**
     * One merged tensor.
     *
     * @param deltaRms    root mean square of the update added
     * @param requantRms  root mean square of (stored merged weight - exact float merged weight):
     *                    what re-encoding to the tensor's type lost (0 for F32)
     */
    public record TensorReport(String name, TensorType type, long[] shape, int rank, double scale,
                               double deltaRms, double requantRms) {
        /** The re-encoding error as a fraction of the update (how much of the adapter the type erased). */
        public double requantRelative() { return deltaRms == 0 ? 0 : requantRms / deltaRms; }
    }

    public record Result(Path output, List<TensorReport> tensors, long outputBytes, double seconds) {}

    /** Merges {@code adapter} (times {@code multiplier}) into {@code base}, writing {@code target} atomically. */
    public static Result merge(ModelFile base, LoraAdapter adapter, double multiplier, Path target, int threads,
                               LongConsumer progress) throws IOException {
        if (base.files().stream().anyMatch(f -> same(f, target)) || same(adapter.path(), target)) {
            throw new WeightclassException(target + ": would overwrite an input");
        }
        List<BoundPair> bound = LoraBinding.bind(adapter, base, multiplier);
        Map<String, BoundPair> byBase = new HashMap<>();
        for (BoundPair b : bound) {
            TensorType t = b.base().type();
            if (!TensorRows.readable(t) || Quantizers.find(t).map(q -> !q.canQuantize()).orElse(true)) {
                throw new WeightclassException(base.path() + ": tensor " + b.base().name() + " is " + t
                        + ", which cannot be written back after merging");
            }
            byBase.put(b.base().name(), b);
        }
        long t0 = System.nanoTime();
        Map<String, TensorReport> reports = new LinkedHashMap<>();
        ExecutorService pool = Workers.pool("lora-merge", threads);
        try {
            if (base.format() == ModelFormat.GGUF && base instanceof GgufFile g) {
                requireExtension(target, ".gguf", "a GGUF base");
                List<GgufTensorSpec> specs = g.tensorSpecs();
                GgufWriter.write(target, g.version(), g.kv(), specs, (index, spec, sink) -> {
                    TensorInfo t = g.tensors().get(index);
                    BoundPair b = byBase.get(t.name());
                    if (b == null) sink.write(g.data(t));
                    else reports.put(t.name(), mergeTensor(g.data(t), t, b, adapter, sink::write, pool));
                    if (progress != null) progress.accept(t.byteSize());
                });
            } else if (base.format() == ModelFormat.SAFETENSORS) {
                requireExtension(target, ".safetensors", "a safetensors base");
                List<SafetensorsWriter.Tensor> tensors = new ArrayList<>();
                for (TensorInfo t : base.tensors()) {
                    BoundPair b = byBase.get(t.name());
                    MemorySegment data = base.data(t);
                    SafetensorsWriter.TensorData copy = SafetensorsWriter.TensorData.of(data);
                    tensors.add(new SafetensorsWriter.Tensor(t.name(), t.type(), t.shape(), ch -> {
                        if (b == null) copy.writeTo(ch);
                        else reports.put(t.name(), mergeTensor(data, t, b, adapter, buf -> {
                            while (buf.hasRemaining()) ch.write(buf);
                        }, pool));
                        if (progress != null) progress.accept(t.byteSize());
                    }));
                }
                Map<String, String> meta = base instanceof SafetensorsFile s && !s.headers().isEmpty()
                        ? s.headers().getFirst().metadata() : Map.of();
                SafetensorsWriter.write(target, tensors, meta);
                copySidecars(base, target);
            } else {
                throw new WeightclassException(base.path() + ": merge writes GGUF and safetensors models, not "
                        + base.format().id());
            }
        } finally {
            pool.shutdownNow();
        }
        List<TensorReport> ordered = new ArrayList<>();
        for (BoundPair b : bound) ordered.add(reports.get(b.base().name()));
        return new Result(target, ordered, Files.size(target), (System.nanoTime() - t0) / 1e9);
    }

    /** Where merged bytes go, in order. */
    @FunctionalInterface
    interface ByteSink {
        void write(ByteBuffer bytes) throws IOException;
    }

    /** Per chunk: encoded bytes and the sums for the error report. */
    private record Chunk(byte[] bytes, double deltaSq, double errSq) {}

    static TensorReport mergeTensor(MemorySegment data, TensorInfo t, BoundPair b, LoraAdapter adapter, ByteSink sink,
                                    ExecutorService pool) throws IOException {
        DeltaRows delta = DeltaRows.of(b, adapter);
        int cols = delta.cols();
        int rows = delta.rows();
        RowQuantizer q = Quantizers.forType(t.type());
        int rowBytes = q.rowBytes(cols);
        boolean exact = t.type() == TensorType.F32;
        int perChunk = Math.max(1, CHUNK_BYTES / rowBytes);
        int inFlight = 4 * Math.max(1, ((java.util.concurrent.ThreadPoolExecutor) pool).getMaximumPoolSize());
        List<Future<Chunk>> pending = new ArrayList<>();
        double deltaSq = 0, errSq = 0;
        try {
            for (int first = 0; first < rows; first += perChunk) {
                int start = first, count = Math.min(perChunk, rows - first);
                pending.add(pool.submit(() -> {
                    float[] w = new float[cols], d = new float[cols], back = exact ? null : new float[cols];
                    double[] acc = new double[cols];
                    byte[] out = new byte[count * rowBytes];
                    double ds = 0, es = 0;
                    for (int r = 0; r < count; r++) {
                        TensorRows.read(data, t.type(), cols, start + r, w, 0);
                        delta.row(start + r, acc, d);
                        for (int c = 0; c < cols; c++) {
                            ds += (double) d[c] * d[c];
                            w[c] += d[c];
                        }
                        q.quantize(w, 0, cols, out, r * rowBytes);
                        if (!exact) {
                            q.dequantize(out, r * rowBytes, back, 0, cols);
                            for (int c = 0; c < cols; c++) {
                                double e = back[c] - w[c];
                                es += e * e;
                            }
                        }
                    }
                    return new Chunk(out, ds, es);
                }));
                if (pending.size() >= inFlight) {
                    Chunk c = Workers.get(pending.removeFirst(), "merging " + t.name());
                    sink.write(ByteBuffer.wrap(c.bytes()));
                    deltaSq += c.deltaSq();
                    errSq += c.errSq();
                }
            }
            while (!pending.isEmpty()) {
                Chunk c = Workers.get(pending.removeFirst(), "merging " + t.name());
                sink.write(ByteBuffer.wrap(c.bytes()));
                deltaSq += c.deltaSq();
                errSq += c.errSq();
            }
        } finally {
            for (Future<Chunk> f : pending) f.cancel(true);
        }
        double n = (double) rows * cols;
        return new TensorReport(t.name(), t.type(), t.shape(), b.pair().rank(), b.scale(), Math.sqrt(deltaSq / n),
                Math.sqrt(errSq / n));
    }

    private static void requireExtension(Path target, String ext, String what) {
        String name = target.getFileName().toString();
        if (name.contains(".") && !name.endsWith(ext)) {
            throw new WeightclassException(target + ": " + what + " is merged into a " + ext + " file");
        }
    }

    /** Files a safetensors model needs beside it to run (config, tokenizer), copied when the output folder lacks them. */
    private static final List<String> SIDECARS = List.of("config.json", "generation_config.json", "tokenizer.json",
            "tokenizer_config.json", "special_tokens_map.json", "tokenizer.model");

    private static void copySidecars(ModelFile base, Path target) throws IOException {
        Path from = base.files().getFirst().toAbsolutePath().getParent();
        Path to = target.toAbsolutePath().getParent();
        if (from.equals(to)) return;
        for (String name : SIDECARS) {
            Path src = from.resolve(name), dst = to.resolve(name);
            if (Files.isRegularFile(src) && !Files.exists(dst)) {
                byte[] bytes = Files.readAllBytes(src);
                AtomicOutput.write(dst, ch -> {
                    ByteBuffer b = ByteBuffer.wrap(bytes);
                    while (b.hasRemaining()) ch.write(b);
                });
            }
        }
    }

    private static boolean same(Path a, Path b) {
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }
}
