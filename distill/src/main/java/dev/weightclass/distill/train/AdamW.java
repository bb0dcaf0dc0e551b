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
    }

    public static AdamW standard(List<Param> params, NDManager manager, double weightDecay) {
        return new AdamW(params, manager, 0.9, 0.999, 1e-8, weightDecay);
    }

    /** Updates every parameter in place from its gradient times {@code gradScale} (clipping), then zeroes the gradient. */
    public void step(double lr, double gradScale) {
        t++;
        double c1 = 1 - Math.pow(beta1, t), c2 = 1 - Math.pow(beta2, t);
        for (int i = 0; i < params.size(); i++) {
            Param p = params.get(i);
            NDArray w = p.value();
            NDArray g = w.getGradient();
            NDArray gs = gradScale == 1 ? g : g.mul((float) gradScale);
            NDArray mi = m.get(i), vi = v.get(i);
            mi.muli((float) beta1).addi(gs.mul((float) (1 - beta1)));
            vi.muli((float) beta2).addi(gs.square().muli((float) (1 - beta2)));
            if (p.decay() && weightDecay != 0) w.muli((float) (1 - lr * weightDecay));
            NDArray denom = vi.div((float) c2).sqrt().addi((float) eps);
            w.subi(mi.mul((float) (lr / c1)).divi(denom));
            g.subi(g); // zero for the next step (autograd accumulates)
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
            NDArray g = p.value().getGradient();
            ss += g.square().sum().getFloat();
        }
        return Math.sqrt(ss);
    }

    /** The factor global-norm clipping multiplies gradients by: min(1, limit / (norm + 1e-6)), as torch does. */
    public static double clipScale(double norm, double limit) {
        if (limit <= 0 || !Double.isFinite(limit)) return 1;
        return Math.min(1.0, limit / (norm + 1e-6));
    }
}
