package dev.weightclass.distill.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.ArrayList;
import java.util.List;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter), as torch.optim.AdamW computes it:
 * <pre>
 *   p = p * (1 - lr * wd)                       decay applied to the weight, not added to the gradient
 *   m = b1 m + (1 - b1) g
 *   v = b2 v + (1 - b2) g^2
 *   p = p - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
 * </pre>
 * All arithmetic in float32 (scalars are passed as floats so nothing is promoted to float64).
 * Written on NDArrays because DJL's Adam adds weight decay to the gradient (L2), which Adam then
 * rescales per coordinate: that is not AdamW. Moments live in the manager given at construction.
 */
public final class AdamW {
    private final double beta1, beta2, eps, weightDecay;
    private final List<Param> params;
    private final List<NDArray> m = new ArrayList<>(), v = new ArrayList<>();
    private long t;
    /** beta1, 1 - beta1, beta2, 1 - beta2, eps as float32 tensors, made once. */
    private final NDArray b1, oneMinusBeta1, b2, oneMinusBeta2, epsilon;

    public AdamW(List<Param> params, NDManager manager, double beta1, double beta2, double eps, double weightDecay) {
        this.params = List.copyOf(params);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        for (Param p : params) {
            m.add(manager.zeros(p.value().getShape()));
            v.add(manager.zeros(p.value().getShape()));
        }
        NDArray first = m.get(0);
        b1 = Torch.scalar(first, (float) beta1);
        oneMinusBeta1 = Torch.scalar(first, (float) (1 - beta1));
        b2 = Torch.scalar(first, (float) beta2);
        oneMinusBeta2 = Torch.scalar(first, (float) (1 - beta2));
        epsilon = Torch.scalar(first, (float) eps);
    }

    public static AdamW standard(List<Param> params, NDManager manager, double weightDecay) {
        return new AdamW(params, manager, 0.9, 0.999, 1e-8, weightDecay);
    }

    /**
     * Updates every parameter in place from its gradient times {@code gradScale} (clipping), then
     * zeroes the gradient. Per parameter this allocates four temporaries, each freed at once; the
     * scalars are PyTorch tensors made once per step (a Java number would cost a direct buffer
     * per operation). The arithmetic is the formula above, in the same order.
     */
    public void step(double lr, double gradScale) {
        t++;
        double c1 = 1 - Math.pow(beta1, t), c2 = 1 - Math.pow(beta2, t);
        NDArray any = params.get(0).value();
        try (NDArray scale = Torch.scalar(any, (float) gradScale);
             NDArray decay = Torch.scalar(any, (float) (1 - lr * weightDecay));
             NDArray bias2 = Torch.scalar(any, (float) c2);
             NDArray rate = Torch.scalar(any, (float) (lr / c1))) {
            for (int i = 0; i < params.size(); i++) {
                Param p = params.get(i);
                NDArray w = p.value();
                NDArray g = w.getGradient();
                if (gradScale != 1) g.muli(scale); // g is zeroed below: scaling it in place costs no copy
                NDArray mi = m.get(i), vi = v.get(i);
                try (NDArray gm = g.mul(oneMinusBeta1); NDArray g2 = g.square()) {
                    mi.muli(b1).addi(gm);
                    vi.muli(b2).addi(g2.muli(oneMinusBeta2));
                }
                if (p.decay() && weightDecay != 0) w.muli(decay);
                try (NDArray vc = vi.div(bias2); NDArray denom = vc.sqrt(); NDArray update = mi.mul(rate)) {
                    denom.addi(epsilon);
                    w.subi(update.divi(denom));
                }
                g.subi(g); // zero for the next step (autograd accumulates)
                g.close();
            }
        }
    }

    /** Steps taken (the t of the bias corrections). */
    public long steps() { return t; }

    public List<NDArray> firstMoments() { return m; }

    public List<NDArray> secondMoments() { return v; }

    /** Restores the state a checkpoint holds. */
    public void restore(long steps, List<float[]> first, List<float[]> second) {
        if (first.size() != m.size() || second.size() != v.size()) {
            throw new IllegalArgumentException("optimizer state for " + first.size() + " tensors, model has " + m.size());
        }
        for (int i = 0; i < m.size(); i++) {
            m.get(i).set(first.get(i));
            v.get(i).set(second.get(i));
        }
        t = steps;
    }

    /** The global L2 norm of all gradients (what clipping compares with its limit). */
    public static double gradientNorm(List<Param> params) {
        double ss = 0;
        for (Param p : params) {
            try (NDArray g = p.value().getGradient(); NDArray sq = g.square(); NDArray sum = sq.sum()) {
                ss += sum.getFloat();
            }
        }
        return Math.sqrt(ss);
    }

    /** The factor global-norm clipping multiplies gradients by: min(1, limit / (norm + 1e-6)), as torch does. */
    public static double clipScale(double norm, double limit) {
        if (limit <= 0 || !Double.isFinite(limit)) return 1;
        return Math.min(1.0, limit / (norm + 1e-6));
    }
}
