package dev.weightclass.size;

import dev.weightclass.format.Hyperparameters;
import dev.weightclass.tensor.TensorInfo;

import java.util.List;

/**
 * A model described without its weights: what a config.json (or a catalog entry) implies.
 *
 * @param name         display name
 * @param ggufArch     llama.cpp's architecture name (mistral converts to "llama"), or null when
 *                     llama.cpp cannot convert the architecture
 * @param hyperparameters the shape
 * @param experts      experts per layer (0 for dense models)
 * @param weights      the checkpoint's distinct weights (GGUF-style names): what the published
 *                     parameter count counts and what an ONNX export stores
 * @param ggufTensors  the tensors a converted GGUF holds, in converter order, with the types of an
 *                     F16 conversion (1-D tensors F32); may repeat a tied weight (GPT-2) or add
 *                     constants (Llama 3 rope_freqs)
 * @param tokenizer    what is assumed about the tokenizer stored in the GGUF header
 * @param config       the source config, or null
 */
public record ModelSpec(String name, String ggufArch, Hyperparameters hyperparameters, int experts,
                        List<TensorInfo> weights, List<TensorInfo> ggufTensors, TokenizerEstimate tokenizer,
                        ModelConfig config) {

    public ModelSpec {
        weights = List.copyOf(weights);
        ggufTensors = List.copyOf(ggufTensors);
    }

    /** Parameters as model cards count them: every distinct weight once. */
    public long parameters() {
        return weights.stream().mapToLong(TensorInfo::elements).sum();
    }

    public boolean ggufSupported() { return ggufArch != null; }
}
