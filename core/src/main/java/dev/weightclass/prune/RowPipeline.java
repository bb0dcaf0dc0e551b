package dev.weightclass.prune;

import com.github.luben.zstd.Zstd;
import dev.weightclass.quant.Quantizers;
import dev.weightclass.quant.RowQuantizer;
import dev.weightclass.quant.TensorRows;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorType;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * One tensor through the pruner, a chunk of rows at a time: rows read as floats (any stored type),
 * pruned, encoded in the output type, and measured (zeros that survive the encoding, zstd size of
 * the chunk before and after). Chunks run in parallel on the pool and are written in order, with
 * a bounded number in flight, so memory does not grow with the tensor.
 */
final class RowPipeline {
    private RowPipeline() {}

    /** Output bytes per chunk; also the zstd frame length of the storage figures. */
    static final int CHUNK_BYTES = 1 << 20;
    /** zstd level of the storage figures: zstd's default, what a server would use. */
    static final int ZSTD_LEVEL = 3;

    @FunctionalInterface
    interface Sink {
        void write(ByteBuffer bytes) throws IOException;
    }

    /** What happened to one tensor's rows. */
    record Counts(long pruned, long zerosStored, long zstdIn, long zstdOut) {}

    private record Chunk(byte[] out, long pruned, long zeros, long zstdIn, long zstdOut) {}

    /**
     * @param norms    Wanda input norms, or null (magnitude)
     * @param sparsity 0 leaves the rows as they are (only re-encoded)
     * @param measure  whether to count zeros and compress (the pruned matrices) or not (the rest)
     */
    static Counts run(MemorySegment data, TensorInfo src, TensorType to, double sparsity, SparsityPattern pattern,
                      float[] norms, boolean measure, ExecutorService pool, int threads, Sink sink) throws IOException {
        int cols = Math.toIntExact(src.rowLength());
        long rows = src.elements() / Math.max(1, cols);
        RowQuantizer q = Quantizers.forType(to);
        int outRow = q.rowBytes(cols);
        long inRow = TensorRows.rowBytes(src.type(), cols);
        boolean prune = sparsity > 0;
        int rowsPerChunk = Math.max(1, CHUNK_BYTES / Math.max(1, outRow));
        List<Future<Chunk>> pending = new ArrayList<>();
        long pruned = 0, zeros = 0, zIn = 0, zOut = 0;
        try {
            for (long first = 0; first < rows || !pending.isEmpty(); ) {
                while (first < rows && pending.size() < 2 * threads) {
                    long start = first;
                    int count = (int) Math.min(rowsPerChunk, rows - first);
                    pending.add(pool.submit(() -> chunk(data, src.type(), cols, start, count, inRow, q, outRow,
                            prune ? new RowPruner(cols) : null, norms, sparsity, pattern, measure)));
                    first += count;
                }
                Chunk c = pending.removeFirst().get();
                sink.write(ByteBuffer.wrap(c.out));
                pruned += c.pruned;
                zeros += c.zeros;
                zIn += c.zstdIn;
                zOut += c.zstdOut;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while pruning " + src.name(), e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new IOException("pruning " + src.name() + " failed", e.getCause());
        } finally {
            for (Future<Chunk> f : pending) f.cancel(true);
        }
        return new Counts(pruned, zeros, zIn, zOut);
    }

    private static Chunk chunk(MemorySegment data, TensorType from, int cols, long start, int count, long inRow,
                               RowQuantizer q, int outRow, RowPruner pruner, float[] norms, double sparsity,
                               SparsityPattern pattern, boolean measure) {
        float[] x = new float[cols];
        float[] back = measure ? new float[cols] : null;
        byte[] out = new byte[count * outRow];
        long pruned = 0, zeros = 0;
        for (int r = 0; r < count; r++) {
            TensorRows.read(data, from, cols, start + r, x, 0);
            if (pruner != null) pruned += pruner.prune(x, norms, sparsity, pattern);
            q.quantize(x, 0, cols, out, r * outRow);
            if (measure) {
                // what the file holds: a quantizer with per-block minimums may not keep a zero zero
                q.dequantize(out, r * outRow, back, 0, cols);
                for (int i = 0; i < cols; i++) if (back[i] == 0f) zeros++;
            }
        }
        long zIn = 0, zOut = 0;
        if (measure) {
            byte[] in = new byte[Math.toIntExact(count * inRow)];
            MemorySegment.copy(data, ValueLayout.JAVA_BYTE, start * inRow, in, 0, in.length);
            zIn = zstd(in);
            zOut = zstd(out);
        }
        return new Chunk(out, pruned, zeros, zIn, zOut);
    }

    /** Bytes of {@code b} as one zstd frame. */
    static long zstd(byte[] b) {
        byte[] dst = new byte[(int) Zstd.compressBound(b.length)];
        long n = Zstd.compressByteArray(dst, 0, dst.length, b, 0, b.length, ZSTD_LEVEL);
        if (Zstd.isError(n)) throw new IllegalStateException("zstd: " + Zstd.getErrorName(n));
        return n;
    }
}
