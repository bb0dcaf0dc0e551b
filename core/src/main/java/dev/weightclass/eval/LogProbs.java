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

    /**
     * KL(base || cur) as llama-perplexity reports it, so the figures compare: the base run's
     * log-probabilities are stored in 16 bits over [max logit - 16, max logit] (lower logits clamped
     * to that floor), and only tokens whose stored base log-probability is above -16 count. Float
     * arithmetic where llama.cpp uses float.
     *
     * @return {KL, index of the base's most likely token as the stored log-probabilities rank it}
     */
    public static double[] klAsLlamaCpp(float[] base, float[] cur) {
        int n = base.length;
        // the stored base record
        float bMax = base[0], bMin = base[0];
        for (int i = 1; i < n; i++) {
            bMax = Math.max(bMax, base[i]);
            bMin = Math.min(bMin, base[i]);
        }
        bMin = Math.max(bMin, bMax - 16);
        float bLse = logSumExpF(base, bMax);
        float minLogProb = bMin - bMax - bLse;
        float scale = (bMax - bMin) / 65535f;
        float invScale = scale != 0 ? 1 / scale : 0;
        // the current run against it
        float cMax = cur[0];
        for (int i = 1; i < n; i++) cMax = Math.max(cMax, cur[i]);
        float cNorm = cMax + logSumExpF(cur, cMax);
        double sum = 0;
        int top = -1;
        float topLog = 0;
        for (int i = 0; i < n; i++) {
            int q = scale != 0 && base[i] > bMin ? (int) Math.rint(invScale * (base[i] - bMin)) : 0;
            float logBase = Math.fma(scale, q, minLogProb);   // scale*q + min, contracted as compiled
            if (i == 0 || logBase > topLog) {
                topLog = logBase;
                top = i;
            }
            if (logBase > -16f) sum += (float) Math.exp(logBase) * (logBase - cur[i] + cNorm);
        }
        return new double[] {sum, top};
    }

    /** log(sum(exp(l - max))) accumulated in double, rounded to float (llama-perplexity's log_sum_exp). */
    private static float logSumExpF(float[] l, float max) {
        double s = 0;
        for (float v : l) s += (float) Math.exp(v - max);
        return (float) Math.log(s);
    }
}
