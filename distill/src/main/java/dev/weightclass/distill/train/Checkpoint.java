package dev.weightclass.distill.train;

import ai.djl.ndarray.NDArray;
import dev.weightclass.WeightclassException;
import dev.weightclass.format.AtomicOutput;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A training checkpoint: everything a resumed run needs to continue exactly where the first one
 * stopped. The data order is a function of (seed, step) ({@link Batches}), so the step is the
 * whole random state. Written through {@link AtomicOutput}: an interrupted write never replaces a
 * good checkpoint with a broken one.
 * <pre>
 *   "WCDISTCK" u32 version  UTF fingerprint  i64 step  i64 optimizerSteps  f64 seconds
 *   u32 tensors, each: UTF name  u32 rank  i64[rank] shape  f32[n] value  f32[n] m  f32[n] v
 *   u32 steps, each: i64 step f64 lr f64 loss u32 terms (UTF name f64 value)... f64 gradNorm i64 tokens f64 seconds
 *   u32 evals, each: i64 step u32 metrics (UTF name f64 value)...
 * </pre>
 * (big-endian, as java.io.DataOutput writes)
 */
public final class Checkpoint {
    private Checkpoint() {}

    static final byte[] MAGIC = "WCDISTCK".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    static final int VERSION = 1;

    /** What a checkpoint restores besides the tensors. */
    public record State(long step, double seconds, History history) {}

    public static void save(Path file, String fingerprint, long step, double seconds, List<Param> params, AdamW opt,
                            History history) throws IOException {
        AtomicOutput.write(file, ch -> {
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16));
            out.write(MAGIC);
            out.writeInt(VERSION);
            out.writeUTF(fingerprint);
            out.writeLong(step);
            out.writeLong(opt.steps());
            out.writeDouble(seconds);
            out.writeInt(params.size());
            for (int i = 0; i < params.size(); i++) {
                Param p = params.get(i);
                out.writeUTF(p.name());
                long[] shape = p.value().getShape().getShape();
                out.writeInt(shape.length);
                for (long d : shape) out.writeLong(d);
                floats(out, p.value());
                floats(out, opt.firstMoments().get(i));
                floats(out, opt.secondMoments().get(i));
            }
            out.writeInt(history.steps().size());
            for (History.Step s : history.steps()) {
                out.writeLong(s.step());
                out.writeDouble(s.lr());
                out.writeDouble(s.loss());
                map(out, s.parts());
                out.writeDouble(s.gradNorm());
                out.writeLong(s.tokens());
                out.writeDouble(s.seconds());
            }
            out.writeInt(history.evals().size());
            for (History.Eval e : history.evals()) {
                out.writeLong(e.step());
                map(out, e.metrics());
            }
            out.flush();
        });
    }

    private static void floats(DataOutputStream out, NDArray a) throws IOException {
        float[] f = a.toFloatArray();
        ByteBuffer b = ByteBuffer.allocate(f.length * 4);
        b.asFloatBuffer().put(f);
        out.write(b.array());
    }

    private static void map(DataOutputStream out, Map<String, Double> m) throws IOException {
        out.writeInt(m.size());
        for (Map.Entry<String, Double> e : new java.util.TreeMap<>(m).entrySet()) {
            out.writeUTF(e.getKey());
            out.writeDouble(e.getValue());
        }
    }

    /**
     * Reads {@code file} into {@code params} and {@code opt} after checking that it was written by a
     * run with the same {@code fingerprint} (student, data, hyperparameters) and the same tensors.
     */
    public static State restore(Path file, String fingerprint, List<Param> params, AdamW opt) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new WeightclassException(file + ": no checkpoint to resume from (train without --resume first)");
        }
        long length = Files.size(file);
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            Reader r = new Reader(file, new DataInputStream(in), length);
            byte[] magic = r.bytes(MAGIC.length, "magic");
            if (!Arrays.equals(magic, MAGIC)) throw r.bad("magic", "not a weightclass distill checkpoint");
            int version = ByteBuffer.wrap(r.bytes(4, "version")).getInt();
            if (version != VERSION) throw r.bad("version", "version " + version + ", this build reads " + VERSION);
            String fp = r.utf("fingerprint");
            if (!fp.equals(fingerprint)) {
                throw new WeightclassException(file + ": the checkpoint was made by a different run (" + fp
                        + "); resume with the same teacher, student, data and settings (now: " + fingerprint + ")");
            }
            long step = r.i64("step");
            long optSteps = r.i64("optimizer steps");
            double seconds = r.f64("seconds");
            int n = r.count("tensor count", 4);
            if (n != params.size()) throw r.bad("tensor count", n + " tensors, the student has " + params.size());
            List<float[]> m = new ArrayList<>(), v = new ArrayList<>();
            for (Param p : params) {
                String name = r.utf("tensor name");
                if (!name.equals(p.name())) throw r.bad("tensor name", "'" + name + "', expected '" + p.name() + "'");
                int rank = r.count("rank of " + name, 8);
                long[] shape = new long[rank];
                for (int d = 0; d < rank; d++) shape[d] = r.i64("shape of " + name);
                if (!Arrays.equals(shape, p.value().getShape().getShape())) {
                    throw r.bad("shape of " + name, Arrays.toString(shape) + ", the student has "
                            + p.value().getShape());
                }
                int size = Math.toIntExact(p.value().size());
                p.value().set(r.floats(size, name));
                m.add(r.floats(size, name + " (first moment)"));
                v.add(r.floats(size, name + " (second moment)"));
            }
            opt.restore(optSteps, m, v);
            History h = new History();
            int steps = r.count("step count", 8 * 7);
            for (int i = 0; i < steps; i++) {
                long s = r.i64("step");
                double lr = r.f64("lr"), loss = r.f64("loss");
                Map<String, Double> parts = r.map("loss terms");
                h.add(new History.Step(s, lr, loss, parts, r.f64("grad norm"), r.i64("tokens"), r.f64("seconds")));
            }
            int evals = r.count("evaluation count", 12);
            for (int i = 0; i < evals; i++) h.add(new History.Eval(r.i64("evaluation step"), r.map("metrics")));
            return new State(step, seconds, h);
        } catch (EOFException e) {
            throw new WeightclassException(file + ": checkpoint ends early (truncated)");
        }
    }

    /** A checked cursor: every count is compared with the bytes left before anything is allocated. */
    private static final class Reader {
        final Path file;
        final DataInputStream in;
        final long length;
        long pos;

        Reader(Path file, DataInputStream in, long length) {
            this.file = file;
            this.in = in;
            this.length = length;
        }

        WeightclassException bad(String field, String why) {
            return new WeightclassException(file + ": checkpoint field '" + field + "' at byte " + pos + ": " + why);
        }

        byte[] bytes(int n, String field) throws IOException {
            if (n > length - pos) throw bad(field, "needs " + n + " bytes, " + (length - pos) + " left");
            byte[] b = in.readNBytes(n);
            if (b.length != n) throw new EOFException();
            pos += n;
            return b;
        }

        long i64(String field) throws IOException {
            return ByteBuffer.wrap(bytes(8, field)).getLong();
        }

        double f64(String field) throws IOException {
            return ByteBuffer.wrap(bytes(8, field)).getDouble();
        }

        /** A u32 count of items of at least {@code minBytes} bytes each. */
        int count(String field, int minBytes) throws IOException {
            int n = ByteBuffer.wrap(bytes(4, field)).getInt();
            if (n < 0 || (long) n * minBytes > length - pos) throw bad(field, n + " does not fit in the file");
            return n;
        }

        String utf(String field) throws IOException {
            int n = ByteBuffer.wrap(bytes(2, field)).getShort() & 0xFFFF;
            byte[] b = bytes(n, field);
            return new java.io.DataInputStream(new java.io.ByteArrayInputStream(concat(n, b))).readUTF();
        }

        private static byte[] concat(int n, byte[] b) {
            byte[] out = new byte[b.length + 2];
            out[0] = (byte) (n >>> 8);
            out[1] = (byte) n;
            System.arraycopy(b, 0, out, 2, b.length);
            return out;
        }

        float[] floats(int n, String field) throws IOException {
            float[] f = new float[n];
            ByteBuffer.wrap(bytes(Math.multiplyExact(n, 4), field)).asFloatBuffer().get(f);
            return f;
        }

        Map<String, Double> map(String field) throws IOException {
            int n = count(field, 10);
            Map<String, Double> m = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) m.put(utf(field), f64(field));
            return m;
        }
    }
}
