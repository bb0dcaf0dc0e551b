package dev.weightclass.tensor;

/** Where a tensor sits in the model: what the parameter breakdowns group by. */
public enum TensorRole {
    EMBEDDING, ATTENTION, FFN, NORM, OUTPUT,
    /** Scales and zero points of quantized initializers: storage, not parameters. */
    QUANT_PARAM,
    /**
     * Graph constants that are not learned: shape vectors, position ids, rotary tables, masks,
     * scalar factors (ONNX stores them as initializers beside the weights). Storage, not parameters.
     */
    CONSTANT,
    /**
     * A second stored copy of another tensor, e.g. a classifier tied to the token embedding that
     * an exporter wrote out transposed. Its parameters are counted once, with the original.
     */
    TIED_COPY,
    OTHER;

    /** False for storage that is not a learned parameter (quantization params, constants, copies). */
    public boolean countsAsParameters() {
        return this != QUANT_PARAM && this != CONSTANT && this != TIED_COPY;
    }

    public String label() { return name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '); }
}
