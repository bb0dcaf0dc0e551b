package dev.weightclass.quant;

import dev.weightclass.tensor.TensorType;

/**
 * How far one tensor moved when it was written in its output type: the written values decoded
 * again and compared with the input's values, element by element.
 *
 * @param sumSquares sum of (decoded - input)^2 over all elements
 * @param maxAbs     largest |decoded - input|
 */
public record RoundTripError(String name, TensorType from, TensorType to, long bytes, long elements,
                             double sumSquares, double maxAbs) {

    /** Root mean square error: sqrt(sumSquares / elements). */
    public double rmse() { return elements == 0 ? 0 : Math.sqrt(sumSquares / elements); }

    /** Accumulates the error of one decoded row against its input. */
    static void accumulate(float[] x, float[] decoded, int n, double[] sumSquares, double[] maxAbs) {
        double s = 0, m = maxAbs[0];
        for (int i = 0; i < n; i++) {
            double d = (double) decoded[i] - x[i];
            s += d * d;
            m = Math.max(m, Math.abs(d));
        }
        sumSquares[0] += s;
        maxAbs[0] = m;
    }
}
