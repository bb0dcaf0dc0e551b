package dev.weightclass.eval;

import dev.weightclass.WeightclassException;
import dev.weightclass.runtime.LlamaModel;
import dev.weightclass.runtime.Sampler;

import java.util.function.IntConsumer;

/**
 * Perplexity scored the way llama.cpp's llama-perplexity scores it, so the figures compare: the
 * token stream is cut into non-overlapping chunks of {@code ctx} tokens, each chunk runs as a fresh
 * sequence whose first token is replaced by BOS, and only the predictions of the second half are
 * scored (positions ctx/2 .. ctx-2 predict the next token: ctx/2 - 1 predictions per chunk).
 * With a reference model (the unquantized original) both run on the same chunks and the result adds
 * the mean KL divergence KL(reference || model) per scored token and how often the two agree on
 * the most likely next token, both computed as llama-perplexity computes them
 * ({@link LogProbs#klAsLlamaCpp}: the reference's log-probabilities as it stores them).
 */
public final class Perplexity {
    private Perplexity() {}

    /**
     * @param perplexity          exp(mean NLL) of the model
     * @param meanNll             mean negative log-likelihood, nats per token
     * @param chunks              chunks evaluated
     * @param tokensScored        predictions scored
     * @param referencePerplexity the reference model's perplexity on the same tokens, or NaN
     * @param meanKl              mean KL(reference || model), nats, or NaN without a reference
     * @param top1Agreement       fraction of positions where both models' argmax agree, or NaN
     */
    public record Result(double perplexity, double meanNll, int chunks, long tokensScored,
                         double referencePerplexity, double meanKl, double top1Agreement) {

        public boolean hasReference() { return !Double.isNaN(meanKl); }

        /** Perplexity of the model minus that of the reference. */
        public double deltaPerplexity() { return perplexity - referencePerplexity; }
    }

    /**
     * @param tokens     the whole text as one token stream (as the tokenizer gives it, BOS first or not)
     * @param reference  null, or a model with the same vocabulary to compare against
     * @param bos        the BOS id each chunk starts with
     * @param onChunk    told the index of each finished chunk (progress), may be null
     */
    public static Result evaluate(LlamaModel model, LlamaModel reference, int[] tokens, int ctx, int bos,
                                  IntConsumer onChunk) {
        return evaluate(model, reference, tokens, ctx, bos, onChunk, null);
    }

    /**
     * {@link #evaluate(LlamaModel, LlamaModel, int[], int, int, IntConsumer)}, also handing the running
     * figures (over the chunks so far) to {@code running} after each chunk, as llama-perplexity
     * prints them per chunk; may be null.
     */
    public static Result evaluate(LlamaModel model, LlamaModel reference, int[] tokens, int ctx, int bos,
                                  IntConsumer onChunk, java.util.function.Consumer<Result> running) {
        if (ctx < 4) throw new WeightclassException("--ctx must be at least 4, got " + ctx);
        int chunks = tokens.length / ctx;
        if (chunks < 1) {
            throw new WeightclassException("the text has " + tokens.length + " tokens: at least one chunk of " + ctx
                    + " is needed (lower --ctx or give more text)");
        }
        int vocab = model.config().vocabSize();
        if (reference != null && reference.config().vocabSize() != vocab) {
            throw new WeightclassException("the reference model has a vocabulary of " + reference.config().vocabSize()
                    + " tokens, the model " + vocab + ": they cannot be compared token by token");
        }
        int first = ctx / 2;
        int scoredPerChunk = ctx - 1 - first;
        LlamaModel.Session s = model.newSession(ctx);
        LlamaModel.Session rs = reference == null ? null : reference.newSession(ctx);
        float[][] refLogits = reference == null ? null : new float[scoredPerChunk][];
        double nll = 0, refNll = 0, kl = 0;
        long scored = 0, agree = 0;
        int[] chunk = new int[ctx];
        for (int c = 0; c < chunks; c++) {
            System.arraycopy(tokens, c * ctx, chunk, 0, ctx);
            chunk[0] = bos;
            if (reference != null) {
                rs.reset();
                reference.forward(rs, chunk, 0, ctx, first, (i, logits) -> {
                    if (i < ctx - 1) refLogits[i - first] = logits.clone();
                });
            }
            double[] acc = new double[3];   // nll, refNll, kl
            long[] counts = new long[1];
            s.reset();
            model.forward(s, chunk, 0, ctx, first, (i, logits) -> {
                if (i >= ctx - 1) return;
                int next = chunk[i + 1];
                acc[0] += LogProbs.nll(logits, next);
                if (refLogits != null) {
                    float[] ref = refLogits[i - first];
                    acc[1] += LogProbs.nll(ref, next);
                    double[] klTop = LogProbs.klAsLlamaCpp(ref, logits);
                    acc[2] += klTop[0];
                    if ((int) klTop[1] == Sampler.argmax(logits)) counts[0]++;
                }
            });
            nll += acc[0];
            refNll += acc[1];
            kl += acc[2];
            agree += counts[0];
            scored += scoredPerChunk;
            if (running != null) running.accept(result(nll, refNll, kl, agree, c + 1, scored, reference != null));
            if (onChunk != null) onChunk.accept(c);
        }
        return result(nll, refNll, kl, agree, chunks, scored, reference != null);
    }

    private static Result result(double nll, double refNll, double kl, long agree, int chunks, long scored, boolean ref) {
        double mean = nll / scored;
        return new Result(Math.exp(mean), mean, chunks, scored, ref ? Math.exp(refNll / scored) : Double.NaN,
                ref ? kl / scored : Double.NaN, ref ? (double) agree / scored : Double.NaN);
    }
}
