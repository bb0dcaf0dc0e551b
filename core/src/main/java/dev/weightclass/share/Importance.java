package dev.weightclass.share;

import dev.weightclass.runtime.LlamaModel;

import java.util.HashMap;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * Activation importance of every linear layer's input columns: {@code ||X_j||^2}, the sum over
 * calibration tokens of the squared input to column j. A weight error in column j changes the
 * layer's output in proportion to it, so weighted clustering spends the table where it matters.
 */
public final class Importance {
    private Importance() {}

    /**
     * Runs {@code tokens} through the model in chunks of {@code ctx} (each starting with BOS) and
     * returns the column importance per weight name (the stored tensor's name).
     */
    public static Map<String, float[]> collect(LlamaModel model, int[] tokens, int ctx, int bos, IntConsumer onChunk) {
        Map<String, double[]> sums = new HashMap<>();
        model.setLinearInputHook((layer, w, in, n) -> {
            double[] s = sums.computeIfAbsent(w.name(), k -> new double[w.cols()]);
            for (int b = 0; b < n; b++) {
                float[] x = in[b];
                for (int j = 0; j < s.length; j++) s[j] += (double) x[j] * x[j];
            }
        });
        try {
            LlamaModel.Session session = model.newSession(ctx);
            int[] chunk = new int[ctx];
            int chunks = Math.max(1, tokens.length / ctx);
            for (int c = 0; c < chunks; c++) {
                int len = Math.min(ctx, tokens.length - c * ctx);
                if (len < 2) break;
                System.arraycopy(tokens, c * ctx, chunk, 0, len);
                chunk[0] = bos;
                session.reset();
                model.forward(session, chunk, 0, len, len - 1, (i, l) -> { });
                if (onChunk != null) onChunk.accept(c);
            }
        } finally {
            model.setLinearInputHook(null);
        }
        Map<String, float[]> out = new HashMap<>();
        sums.forEach((k, v) -> {
            float[] f = new float[v.length];
            for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
            out.put(k, f);
        });
        return out;
    }
}
