package dev.weightclass.runtime;

import java.util.Arrays;
import java.util.function.IntPredicate;

/**
 * Text generation on token ids: the prompt runs as one batch, then tokens are sampled one at a
 * time until {@code maxNew} tokens or the end-of-sequence token.
 */
public final class Generation {
    private Generation() {}

    /**
     * @param ids             prompt ids followed by the generated ids (EOS included when it ended the text)
     * @param promptTokens    how many of {@code ids} are the prompt
     * @param promptSeconds   time to process the prompt
     * @param generateSeconds time to generate the new tokens
     */
    public record Result(int[] ids, int promptTokens, double promptSeconds, double generateSeconds) {
        public int generatedTokens() { return ids.length - promptTokens; }

        public double tokensPerSecond() {
            return generatedTokens() == 0 ? 0 : generatedTokens() / generateSeconds;
        }

        public double promptTokensPerSecond() { return promptTokens / promptSeconds; }
    }

    /**
     * @param onToken told each generated id as it is produced; returns false to stop early
     */
    public static Result generate(LlamaModel model, int[] prompt, int maxNew, Sampler sampler, int eos,
                                  IntPredicate onToken) {
        if (prompt.length == 0) throw new IllegalArgumentException("empty prompt: start from BOS");
        LlamaModel.Session s = model.newSession(prompt.length + Math.max(0, maxNew));
        int[] ids = Arrays.copyOf(prompt, prompt.length + Math.max(0, maxNew));
        long t0 = System.nanoTime();
        float[] logits = model.forward(s, prompt, 0, prompt.length, false)[0];
        long t1 = System.nanoTime();
        int n = prompt.length;
        for (int i = 0; i < maxNew; i++) {
            int next = sampler.sample(logits);
            ids[n++] = next;
            boolean go = onToken == null || onToken.test(next);
            if (next == eos || !go || i == maxNew - 1) break;
            logits = model.next(s, next);
        }
        long t2 = System.nanoTime();
        return new Result(Arrays.copyOf(ids, n), prompt.length, (t1 - t0) / 1e9, (t2 - t1) / 1e9);
    }
}
