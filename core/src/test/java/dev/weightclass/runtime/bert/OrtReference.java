package dev.weightclass.runtime.bert;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.weightclass.eval.StsFile;

import java.io.IOException;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/** ONNX Runtime running an encoder file, with the same mean pooling and normalisation, for comparisons. */
final class OrtReference implements AutoCloseable {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;

    OrtReference(Path model, int threads) throws OrtException {
        this(model, threads, OrtSession.SessionOptions.OptLevel.ALL_OPT);
    }

    /** {@code BASIC_OPT} runs the graph's own operators; higher levels swap in ORT's fused kernels. */
    OrtReference(Path model, int threads, OrtSession.SessionOptions.OptLevel level) throws OrtException {
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        o.setOptimizationLevel(level);
        o.setIntraOpNumThreads(threads);
        o.setInterOpNumThreads(1);
        // Worker threads that spin while waiting starve when other processes share the cores (5-6x
        // slower at load 10 on 2 cores); blocking waits keep ORT's figures honest on a shared machine.
        o.addConfigEntry("session.intra_op.allow_spinning", "0");
        session = env.createSession(model.toString(), o);
    }

    /** Embeddings of a padded batch: ids right-padded with 0, mask 0 on the padding. */
    float[][] embed(List<int[]> batch) throws OrtException {
        int b = batch.size(), t = 0;
        for (int[] s : batch) t = Math.max(t, s.length);
        long[] ids = new long[b * t], mask = new long[b * t], types = new long[b * t];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < batch.get(i).length; j++) {
                ids[i * t + j] = batch.get(i)[j];
                mask[i * t + j] = 1;
            }
        }
        long[] shape = {b, t};
        Map<String, OnnxTensor> in = new HashMap<>();
        try {
            in.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape));
            in.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape));
            if (session.getInputNames().contains("token_type_ids")) {
                in.put("token_type_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(types), shape));
            }
            try (OrtSession.Result r = session.run(in)) {
                float[][][] hidden = (float[][][]) r.get(0).getValue();
                float[][] out = new float[b][];
                for (int i = 0; i < b; i++) out[i] = pool(hidden[i], batch.get(i).length);
                return out;
            }
        } finally {
            for (OnnxTensor x : in.values()) x.close();
        }
    }

    static float[] pool(float[][] hidden, int n) {
        int h = hidden[0].length;
        double[] s = new double[h];
        for (int i = 0; i < n; i++) for (int j = 0; j < h; j++) s[j] += hidden[i][j];
        double norm = 0;
        for (int j = 0; j < h; j++) norm += (s[j] / n) * (s[j] / n);
        float[] out = new float[h];
        for (int j = 0; j < h; j++) out[j] = (float) (s[j] / n / Math.sqrt(norm));
        return out;
    }

    /** Every distinct sentence of an STS file, in file order. */
    static List<String> sentences(Path sts) throws IOException {
        LinkedHashSet<String> s = new LinkedHashSet<>();
        for (StsFile.Pair p : StsFile.read(sts)) {
            s.add(p.first());
            s.add(p.second());
        }
        return new ArrayList<>(s);
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
