package dev.weightclass.distill.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.List;

/**
 * A batch of sequences padded to the longest: inputs [B, P] (every token but the last), targets
 * and mask [B * P] (mask 0 on padding), and when a teacher cache is used its top-k log-probs and
 * ids [B * P, k] (zeros on padding).
 */
record DecoderBatch(NDArray inputs, NDArray targets, NDArray mask, NDArray topLogp, NDArray topIds, long tokens) {

    static DecoderBatch of(List<int[]> seqs, int[] which, NDManager m) {
        return of(seqs, which, null, m);
    }

    static DecoderBatch of(List<int[]> seqs, int[] which, TeacherCache cache, NDManager m) {
        int b = which.length, p = 1;
        for (int i : which) p = Math.max(p, seqs.get(i).length - 1);
        long[] in = new long[b * p], tg = new long[b * p];
        float[] mask = new float[b * p];
        int k = cache == null ? 0 : cache.k;
        float[] lp = new float[b * p * k];
        long[] ids = new long[b * p * k];
        long tokens = 0;
        for (int r = 0; r < b; r++) {
            int[] s = seqs.get(which[r]);
            int n = s.length - 1;
            tokens += n;
            for (int j = 0; j < n; j++) {
                in[r * p + j] = s[j];
                tg[r * p + j] = s[j + 1];
                mask[r * p + j] = 1f;
            }
            if (cache != null) {
                System.arraycopy(cache.logp[which[r]], 0, lp, r * p * k, n * k);
                int[] ci = cache.ids[which[r]];
                for (int j = 0; j < n * k; j++) ids[r * p * k + j] = ci[j];
            }
        }
        return new DecoderBatch(m.create(in, new Shape(b, p)), m.create(tg, new Shape((long) b * p)),
                m.create(mask, new Shape((long) b * p)),
                cache == null ? null : m.create(lp, new Shape((long) b * p, k)),
                cache == null ? null : m.create(ids, new Shape((long) b * p, k)), tokens);
    }
}
