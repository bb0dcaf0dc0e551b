package dev.weightclass.quant.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.weightclass.runtime.tokenizer.Tokenizer;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Sentence embeddings from a BERT-style ONNX model run by ONNX Runtime, the way
 * sentence-transformers makes them: mean of the last hidden states over the real tokens
 * (attention mask), then L2-normalised.
 */
final class OrtEmbeddings implements AutoCloseable {
    private static final int BATCH = 32;

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;

    OrtEmbeddings(Path model) throws OrtException {
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        o.setIntraOpNumThreads(2);
        session = env.createSession(model.toString(), o);
    }

    float[][] embed(List<int[]> tokenized) throws OrtException {
        // Batches of similar length, so little compute goes to padding; results in input order.
        Integer[] order = new Integer[tokenized.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        java.util.Arrays.sort(order, java.util.Comparator.comparingInt(i -> tokenized.get(i).length));
        List<int[]> sorted = java.util.Arrays.stream(order).map(tokenized::get).toList();
        float[][] byLength = embedInOrder(sorted);
        float[][] out = new float[order.length][];
        for (int i = 0; i < order.length; i++) out[order[i]] = byLength[i];
        return out;
    }

    private float[][] embedInOrder(List<int[]> tokenized) throws OrtException {
        float[][] out = new float[tokenized.size()][];
        for (int from = 0; from < tokenized.size(); from += BATCH) {
            List<int[]> batch = tokenized.subList(from, Math.min(tokenized.size(), from + BATCH));
            int len = batch.stream().mapToInt(a -> a.length).max().orElse(0);
            long[][] ids = new long[batch.size()][len], mask = new long[batch.size()][len], types = new long[batch.size()][len];
            for (int b = 0; b < batch.size(); b++) {
                for (int t = 0; t < batch.get(b).length; t++) {
                    ids[b][t] = batch.get(b)[t];
                    mask[b][t] = 1;
                }
            }
            Map<String, OnnxTensor> in = new HashMap<>();
            try {
                in.put("input_ids", OnnxTensor.createTensor(env, ids));
                in.put("attention_mask", OnnxTensor.createTensor(env, mask));
                in.put("token_type_ids", OnnxTensor.createTensor(env, types));
                try (OrtSession.Result r = session.run(in)) {
                    float[][][] hidden = (float[][][]) r.get(0).getValue(); // [batch, len, dim]
                    for (int b = 0; b < batch.size(); b++) out[from + b] = meanPooled(hidden[b], mask[b]);
                }
            } finally {
                for (OnnxTensor t : in.values()) t.close();
            }
        }
        return out;
    }

    private static float[] meanPooled(float[][] hidden, long[] mask) {
        float[] v = new float[hidden[0].length];
        int n = 0;
        for (int t = 0; t < hidden.length; t++) {
            if (mask[t] == 0) continue;
            n++;
            for (int d = 0; d < v.length; d++) v[d] += hidden[t][d];
        }
        double norm = 0;
        for (int d = 0; d < v.length; d++) {
            v[d] /= n;
            norm += (double) v[d] * v[d];
        }
        float inv = (float) (1 / Math.sqrt(norm));
        for (int d = 0; d < v.length; d++) v[d] *= inv;
        return v;
    }

    static List<int[]> tokenize(Tokenizer tok, List<String> sentences) {
        return sentences.stream().map(tok::encode).toList();
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
