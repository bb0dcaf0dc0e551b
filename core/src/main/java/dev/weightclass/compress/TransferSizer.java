package dev.weightclass.compress;

import com.aayushatharva.brotli4j.Brotli4jLoader;
import com.aayushatharva.brotli4j.encoder.Encoder;
import com.github.luben.zstd.Zstd;
import dev.weightclass.WeightclassException;
import dev.weightclass.format.MappedFile;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.Deflater;

/**
 * The real compressed size of a file: it is memory-mapped and cut into chunks that are
 * compressed independently on all cores, so memory stays at a few chunks per thread whatever
 * the file's size.
 *
 * <p>Independent chunks are what parallel compressors (pigz --independent, zstd -T with
 * multiple frames) produce; each chunk restarts the compressor's history, so the total is a
 * little larger than one single stream would be (for model weights, a fraction of a percent at
 * 16 MiB chunks, since the match window of gzip is 32 KiB and zstd level 3 is 2-8 MiB anyway).
 * This sum is what is reported.
 */
public final class TransferSizer {

    public static final long DEFAULT_CHUNK = 16L << 20;
    /** Files smaller than this get no progress bar. */
    public static final long PROGRESS_THRESHOLD = 64L << 20;

    private final long chunkBytes;
    private final int threads;
    private final PrintStream progress;

    /**
     * @param chunkBytes chunk length (at most 1 GiB)
     * @param threads    compression threads
     * @param progress   where to draw a progress bar for big files, or null for none
     */
    public TransferSizer(long chunkBytes, int threads, PrintStream progress) {
        if (chunkBytes < 4096 || chunkBytes > (1L << 30)) throw new IllegalArgumentException("chunk size " + chunkBytes);
        if (threads < 1) throw new IllegalArgumentException("threads " + threads);
        this.chunkBytes = chunkBytes;
        this.threads = threads;
        this.progress = progress;
    }

    public static TransferSizer defaults(PrintStream progress) {
        return new TransferSizer(DEFAULT_CHUNK, Runtime.getRuntime().availableProcessors(), progress);
    }

    /** Compressed sizes of the file, one codec after the other (so each timing is its own). */
    public List<CompressedSize> measure(Path file, List<Codec.Level> codecs) throws IOException {
        List<CompressedSize> out = new ArrayList<>();
        try (MappedFile m = MappedFile.open(file)) {
            for (Codec.Level c : codecs) out.add(measure(m.segment(), c));
        }
        return out;
    }

    /** Compressed size of a segment (a mapped file or a slice of one). */
    public CompressedSize measure(MemorySegment data, Codec.Level codec) throws IOException {
        if (codec.codec() == Codec.BROTLI) ensureBrotli();
        long n = data.byteSize();
        int chunks = (int) ((n + chunkBytes - 1) / chunkBytes);
        long start = System.nanoTime();
        long total = 0;
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "compress");
            t.setDaemon(true);
            return t;
        });
        try (ProgressBar bar = bar(codec, n)) {
            // at most 2 chunks per thread in flight: memory stays bounded
            List<Future<Long>> inFlight = new ArrayList<>();
            int next = 0;
            while (next < chunks || !inFlight.isEmpty()) {
                while (next < chunks && inFlight.size() < 2 * threads) {
                    long off = next * chunkBytes;
                    MemorySegment slice = data.asSlice(off, Math.min(chunkBytes, n - off));
                    inFlight.add(pool.submit(() -> compressedSize(slice, codec)));
                    next++;
                }
                Future<Long> f = inFlight.removeFirst();
                total += f.get();
                if (bar != null) bar.stepTo(Math.min(n, (next - inFlight.size()) * chunkBytes));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) throw io;
            throw new IOException(codec + " compression failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new CompressedSize(codec, n, total, chunkBytes, seconds, threads);
    }

    private ProgressBar bar(Codec.Level codec, long n) {
        if (progress == null || n < PROGRESS_THRESHOLD) return null;
        return new ProgressBarBuilder().setTaskName(codec.codec().id()).setInitialMax(n)
                .setUnit(" MiB", 1 << 20).showSpeed()
                .setConsumer(new ConsoleProgressBarConsumer(progress)).build();
    }

    /** Bytes of one chunk compressed as a stream of its own. */
    static long compressedSize(MemorySegment chunk, Codec.Level codec) throws IOException {
        return switch (codec.codec()) {
            case GZIP -> gzip(chunk, codec.level());
            case ZSTD -> zstd(chunk, codec.level());
            case BROTLI -> brotli(chunk, codec.level());
        };
    }

    private static final ThreadLocal<byte[]> OUT = ThreadLocal.withInitial(() -> new byte[1 << 16]);

    /** A gzip member: 10-byte header, raw deflate, 8-byte trailer (CRC-32 and length). */
    private static long gzip(MemorySegment chunk, int level) {
        Deflater d = new Deflater(level, true);
        try {
            d.setInput(chunk.asByteBuffer());
            d.finish();
            byte[] out = OUT.get();
            long n = 0;
            while (!d.finished()) n += d.deflate(out);
            return 10 + n + 8;
        } finally {
            d.end();
        }
    }

    private static final ThreadLocal<ByteBuffer[]> ZSTD_OUT = ThreadLocal.withInitial(() -> new ByteBuffer[1]);

    private static long zstd(MemorySegment chunk, int level) {
        ByteBuffer src = chunk.asByteBuffer();
        int len = src.remaining();
        int bound = (int) Zstd.compressBound(len);
        ByteBuffer[] holder = ZSTD_OUT.get();
        if (holder[0] == null || holder[0].capacity() < bound) holder[0] = ByteBuffer.allocateDirect(bound);
        long r = Zstd.compressDirectByteBuffer(holder[0], 0, bound, src, 0, len, level);
        if (Zstd.isError(r)) throw new IllegalStateException("zstd: " + Zstd.getErrorName(r));
        return r;
    }

    private static final ThreadLocal<byte[]> BROTLI_IN = new ThreadLocal<>();

    private static long brotli(MemorySegment chunk, int quality) throws IOException {
        int len = (int) chunk.byteSize();
        byte[] in = BROTLI_IN.get();
        if (in == null || in.length < len) {
            in = new byte[len];
            BROTLI_IN.set(in);
        }
        MemorySegment.copy(chunk, ValueLayout.JAVA_BYTE, 0, in, 0, len);
        return Encoder.compress(in, 0, len, new Encoder.Parameters().setQuality(quality)).length;
    }

    private static void ensureBrotli() {
        if (!Brotli4jLoader.isAvailable()) {
            throw new WeightclassException("brotli is not available on this platform: " + Brotli4jLoader.getUnavailabilityCause());
        }
    }
}
