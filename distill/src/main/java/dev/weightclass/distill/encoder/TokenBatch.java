package dev.weightclass.distill.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.List;

/**
 * Sentences of different lengths as one padded batch.
 *
 * @param ids    [B, T] int64 token ids, 0 after each sentence's end
 * @param mask   [B, T] float32: 1 for a token, 0 for padding
 * @param tokens real (unpadded) tokens in the batch
 */
public record TokenBatch(NDArray ids, NDArray mask, long tokens) {

    public static TokenBatch of(List<int[]> sentences, NDManager manager) {
        int b = sentences.size(), t = 0;
        for (int[] s : sentences) t = Math.max(t, s.length);
        long[] ids = new long[b * t];
        float[] mask = new float[b * t];
        long tokens = 0;
        for (int i = 0; i < b; i++) {
            int[] s = sentences.get(i);
            for (int j = 0; j < s.length; j++) {
                ids[i * t + j] = s[j];
                mask[i * t + j] = 1;
            }
            tokens += s.length;
        }
        Shape shape = new Shape(b, t);
        return new TokenBatch(manager.create(ids, shape), manager.create(mask, shape), tokens);
    }
}
