package dev.weightclass.quant;

import dev.weightclass.WeightclassException;
import dev.weightclass.tensor.TensorType;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * llama-quantize's options that change which type a tensor gets.
 *
 * @param pure               {@code --pure}: every quantizable tensor gets the preset's base type
 * @param outputTensorType   {@code --output-tensor-type}, or null
 * @param tokenEmbeddingType {@code --token-embedding-type}, or null
 * @param overrides          {@code --tensor-type REGEX=TYPE}, first match wins
 * @param leaveOutputTensor  {@code --leave-output-tensor}: output.weight keeps its type
 * @param allowRequantize    {@code --allow-requantize}: a quantized source may be quantized again
 * @param imatrix            an importance matrix is given ({@code --imatrix}); a few rules differ
 */
public record QuantOptions(boolean pure, TensorType outputTensorType, TensorType tokenEmbeddingType,
                           List<Override> overrides, boolean leaveOutputTensor, boolean allowRequantize,
                           boolean imatrix) {

    public static final QuantOptions DEFAULT = new QuantOptions(false, null, null, List.of(), false, false, false);

    public QuantOptions {
        overrides = List.copyOf(overrides);
    }

    /** One {@code --tensor-type} rule: tensors whose name contains a match of the regex get the type. */
    public record Override(Pattern pattern, TensorType type) {
        /** Parses {@code REGEX=TYPE} as llama-quantize does (the pattern is lower-cased). */
        public static Override parse(String spec) {
            int eq = spec.lastIndexOf('=');
            if (eq <= 0 || eq == spec.length() - 1) {
                throw new WeightclassException("bad --tensor-type '" + spec + "': expected REGEX=TYPE, e.g. ffn_down=q6_k");
            }
            String regex = spec.substring(0, eq).toLowerCase(Locale.ROOT);
            TensorType type = QuantOptions.ggmlType(spec.substring(eq + 1), "--tensor-type " + spec);
            try {
                return new Override(Pattern.compile(regex), type);
            } catch (PatternSyntaxException e) {
                throw new WeightclassException("bad --tensor-type '" + spec + "': " + e.getDescription());
            }
        }

        @java.lang.Override
        public String toString() { return pattern.pattern() + "=" + type; }
    }

    public QuantOptions withPure(boolean p) {
        return new QuantOptions(p, outputTensorType, tokenEmbeddingType, overrides, leaveOutputTensor, allowRequantize, imatrix);
    }

    public QuantOptions withOverride(Override o) {
        List<Override> list = new ArrayList<>(overrides);
        list.add(o);
        return new QuantOptions(pure, outputTensorType, tokenEmbeddingType, list, leaveOutputTensor, allowRequantize, imatrix);
    }

    public QuantOptions withOutputTensorType(TensorType t) {
        return new QuantOptions(pure, t, tokenEmbeddingType, overrides, leaveOutputTensor, allowRequantize, imatrix);
    }

    public QuantOptions withTokenEmbeddingType(TensorType t) {
        return new QuantOptions(pure, outputTensorType, t, overrides, leaveOutputTensor, allowRequantize, imatrix);
    }

    public QuantOptions withLeaveOutputTensor(boolean b) {
        return new QuantOptions(pure, outputTensorType, tokenEmbeddingType, overrides, b, allowRequantize, imatrix);
    }

    public QuantOptions withAllowRequantize(boolean b) {
        return new QuantOptions(pure, outputTensorType, tokenEmbeddingType, overrides, leaveOutputTensor, b, imatrix);
    }

    public QuantOptions withImatrix(boolean b) {
        return new QuantOptions(pure, outputTensorType, tokenEmbeddingType, overrides, leaveOutputTensor, allowRequantize, b);
    }

    /** A ggml tensor type by name (q4_k, Q8_0, f16...), as the options take them. */
    public static TensorType ggmlType(String name, String where) {
        return TensorType.fromName(name).filter(TensorType::isGgml)
                .orElseThrow(() -> new WeightclassException("unknown ggml type '" + name + "' in " + where));
    }
}
