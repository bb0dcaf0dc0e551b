package dev.weightclass.distill.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.weightclass.WeightclassException;
import dev.weightclass.format.AtomicOutput;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The teacher's next-token distribution at temperature T for every training position, kept as
 * its top k (log-probabilities over the full vocabulary, and token ids): k/V of the full logits.
 * Computed once with the teacher's PyTorch forward (as fast as core's Java runtime on aidreams260K,
 * measured, and with the student's float32 numerics rather than the runtime's F16 KV cache),
 * optionally saved to a file and reused while teacher, tokenizer, data, T and k are the same.
 * <pre>
 *   "WCTOPK01" UTF tokenizer  UTF fingerprint  f64 T  u32 k  u32 sequences
 *   per sequence: u32 positions, f32[positions * k] log p, i32[positions * k] ids    (big-endian)
 * </pre>
 */
public final class TeacherCache {
    static final String MAGIC = "WCTOPK01";

    final int k;
    /** Per training sequence: [positions * k] values. */
    final float[][] logp;
    final int[][] ids;

    TeacherCache(int k, float[][] logp, int[][] ids) {
        this.k = k;
        this.logp = logp;
        this.ids = ids;
    }

    /** Runs the teacher over the sequences, {@code batch} at a time. */
    static TeacherCache compute(TorchLlama teacher, List<int[]> seqs, int k, double temperature, int batch,
                                NDManager manager) {
        float[][] logp = new float[seqs.size()][];
        int[][] ids = new int[seqs.size()][];
        for (int from = 0; from < seqs.size(); from += batch) {
            int n = Math.min(batch, seqs.size() - from);
            try (NDManager m = manager.newSubManager()) {
                for (NDArray a : teacher.arrays()) a.tempAttach(m);
                DecoderBatch b = DecoderBatch.of(seqs, range(from, n), m);
                NDArray logits = teacher.forward(b.inputs(), m); // [n, P, V]
                long p = logits.getShape().get(1), v = logits.getShape().get(2);
                NDList top = logits.reshape(n * p, v).div((float) temperature).logSoftmax(-1).topK(k, -1);
                float[] vals = top.get(0).toFloatArray();
                long[] idx = top.get(1).toLongArray();
                for (int i = 0; i < n; i++) {
                    int positions = seqs.get(from + i).length - 1;
                    float[] lv = new float[positions * k];
                    int[] li = new int[positions * k];
                    for (int j = 0; j < positions * k; j++) {
                        lv[j] = vals[(int) (i * p * k) + j];
                        li[j] = (int) idx[(int) (i * p * k) + j];
                    }
                    logp[from + i] = lv;
                    ids[from + i] = li;
                }
            }
        }
        return new TeacherCache(k, logp, ids);
    }

    static int[] range(int from, int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) r[i] = from + i;
        return r;
    }

    void save(Path file, String tokenizer, String fingerprint, double temperature) throws IOException {
        AtomicOutput.write(file, ch -> {
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16));
            out.writeBytes(MAGIC);
            out.writeUTF(tokenizer);
            out.writeUTF(fingerprint);
            out.writeDouble(temperature);
            out.writeInt(k);
            out.writeInt(logp.length);
            for (int s = 0; s < logp.length; s++) {
                out.writeInt(logp[s].length / k);
                for (float f : logp[s]) out.writeFloat(f);
                for (int i : ids[s]) out.writeInt(i);
            }
            out.flush();
        });
    }

    /**
     * The cache in {@code file} when it was made for this teacher, data, T and k; null when it
     * was made for other data or settings (recompute). A cache made with another tokenizer is an
     * error: its token ids mean other things.
     */
    static TeacherCache load(Path file, String tokenizer, String fingerprint, double temperature, int k,
                             List<int[]> seqs) throws IOException {
        long length = Files.size(file);
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            byte[] magic = in.readNBytes(MAGIC.length());
            if (!new String(magic, java.nio.charset.StandardCharsets.US_ASCII).equals(MAGIC)) {
                throw new WeightclassException(file + ": not a distill teacher cache (magic at byte 0)");
            }
            String tok = in.readUTF();
            if (!tok.equals(tokenizer)) {
                throw new WeightclassException(file + ": mismatched tokenizers: the teacher cache was made with "
                        + tok + ", the teacher has " + tokenizer);
            }
            if (!in.readUTF().equals(fingerprint) || in.readDouble() != temperature || in.readInt() != k) return null;
            int n = in.readInt();
            if (n != seqs.size()) return null;
            float[][] logp = new float[n][];
            int[][] ids = new int[n][];
            for (int s = 0; s < n; s++) {
                int positions = in.readInt();
                if (positions != seqs.get(s).length - 1 || (long) positions * k * 8 > length) {
                    throw new WeightclassException(file + ": teacher cache sequence " + s + " has " + positions
                            + " positions, the data has " + (seqs.get(s).length - 1));
                }
                logp[s] = new float[positions * k];
                ids[s] = new int[positions * k];
                for (int j = 0; j < logp[s].length; j++) logp[s][j] = in.readFloat();
                for (int j = 0; j < ids[s].length; j++) ids[s][j] = in.readInt();
            }
            return new TeacherCache(k, logp, ids);
        } catch (java.io.EOFException e) {
            throw new WeightclassException(file + ": teacher cache ends early (truncated)");
        }
    }
}
