package dev.weightclass.eval;

/** Log-softmax arithmetic in double precision, shared by the perplexity and KL figures. */
public final class LogProbs {
    private LogProbs() {}

    /** log(sum(exp(logits))). */
    public static double logSumExp(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) max = Math.max(max, l);
        double s = 0;
        for (float l : logits) s += Math.exp(l - max);
        return max + Math.log(s);
    }

    /** -log p(token) under softmax(logits). */
    public static double nll(float[] logits, int token) {
        return logSumExp(logits) - logits[token];
    }

    /** KL(p || q) of the softmax distributions of two logit vectors, in nats. */
    public static double kl(float[] p, float[] q) {
        double lp = logSumExp(p), lq = logSumExp(q);
        double kl = 0;
        for (int i = 0; i < p.length; i++) {
            double a = p[i] - lp;
            kl += Math.exp(a) * (a - (q[i] - lq));
        }
        return Math.max(0, kl);
    }
}
