package dev.weightclass.tensor;

/** Where a tensor sits in the model: what the parameter breakdowns group by. */
public enum TensorRole {
    EMBEDDING, ATTENTION, FFN, NORM, OUTPUT,
    /** Scales and zero points of quantized initializers: storage, not parameters. */
    QUANT_PARAM,
    OTHER;

    public String label() { return name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '); }
}
