package dev.weightclass.distill.decoder;

import ai.djl.ndarray.NDArray;
import dev.weightclass.distill.train.Torch;

/**
 * The decoder distillation losses, each a mean over the positions whose {@code mask} is 1
 * (padding positions are 0). Logits are [N, V] rows, one per position.
 * <pre>
 *   CE       = -log softmax(s)[target]
 *   KL_T     = sum_v p_v (log p_v - log q_v),   p = softmax(t / T), q = softmax(s / T)
 *   KL_T,k   = the same over the teacher's top k tokens, the other V - k merged into one
 *              "tail" outcome: sum_k p_k log(p_k / q_k) + p_tail log(p_tail / q_tail)
 *   loss     = alpha * T^2 * KL_T + (1 - alpha) * CE      (T^2 keeps the KL gradients' scale, Hinton et al.)
 * </pre>
 * The top-k form is exactly KL between the two distributions coarsened to k + 1 outcomes, so it
 * never exceeds the full KL, and it needs only k teacher values per position on disk.
 */
public final class Losses {
    private Losses() {}

    /** Mean next-token cross-entropy: {@code targets} [N] int64. */
    public static NDArray crossEntropy(NDArray logits, NDArray targets, NDArray mask) {
        long n = logits.getShape().get(0);
        NDArray nll = logits.logSoftmax(-1).gather(targets.reshape(n, 1), 1).reshape(n).neg();
        return masked(nll, mask);
    }

    /** Mean KL(softmax(teacher / T) || softmax(student / T)) over full logits. */
    public static NDArray klFull(NDArray teacherLogits, NDArray studentLogits, NDArray mask, double temperature) {
        NDArray logp = teacherLogits.div(Torch.scalar(teacherLogits, (float) temperature)).logSoftmax(-1);
        NDArray logq = studentLogits.div(Torch.scalar(studentLogits, (float) temperature)).logSoftmax(-1);
        NDArray kl = logp.exp().mul(logp.sub(logq)).sum(new int[] {-1});
        return masked(kl, mask);
    }

    /**
     * Mean KL over the teacher's top k tokens plus the merged tail.
     *
     * @param teacherLogp log softmax(teacher / T) of the top k tokens [N, k] (over the full vocabulary)
     * @param ids         their token ids [N, k] int64
     */
    public static NDArray klTopK(NDArray teacherLogp, NDArray ids, NDArray studentLogits, NDArray mask, double temperature) {
        NDArray logq = studentLogits.div(Torch.scalar(studentLogits, (float) temperature)).logSoftmax(-1).gather(ids, 1); // [N, k]
        NDArray p = teacherLogp.exp();
        NDArray top = p.mul(teacherLogp.sub(logq)).sum(new int[] {-1});
        NDArray one = Torch.scalar(p, 1f);
        NDArray pTail = p.sum(new int[] {-1}).neg().add(one).maximum(Torch.scalar(p, 0f));
        // q_tail as 1 - sum q_k, floored: float32 cannot tell a tail below ~1e-7 from zero anyway
        NDArray qTail = logq.exp().sum(new int[] {-1}).neg().add(one).maximum(Torch.scalar(p, 1e-7f));
        NDArray tail = pTail.mul(pTail.maximum(Torch.scalar(p, 1e-30f)).log().sub(qTail.log()));
        return masked(top.add(tail), mask);
    }

    /** alpha * T^2 * kl + (1 - alpha) * ce. */
    public static NDArray combine(NDArray kl, NDArray ce, double alpha, double temperature) {
        if (kl == null) return ce;
        return kl.mul(Torch.scalar(kl, (float) (alpha * temperature * temperature)))
                .add(ce.mul(Torch.scalar(ce, (float) (1 - alpha))));
    }

    private static NDArray masked(NDArray perPosition, NDArray mask) {
        return perPosition.mul(mask).sum().div(mask.sum());
    }
}
