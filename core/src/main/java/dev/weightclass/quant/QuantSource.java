package dev.weightclass.quant;

import dev.weightclass.WeightclassException;
import dev.weightclass.format.Hyperparameters;
import dev.weightclass.format.ModelFile;
import dev.weightclass.format.gguf.GgufFile;
import dev.weightclass.format.gguf.GgufValue;
import dev.weightclass.format.llama2c.Llama2cFile;
import dev.weightclass.format.safetensors.SafetensorsFile;
import dev.weightclass.tensor.TensorInfo;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A model as the quantizer reads it: GGUF metadata and tensors under GGUF names, whatever file
 * they come from. A GGUF input is itself; a Hugging Face llama folder and a llama2.c checkpoint
 * are converted on the fly (names mapped, q/k rows taken in GGUF's RoPE order, hyperparameters
 * and tokenizer turned into GGUF keys), so one streaming pass writes the output.
 */
public interface QuantSource extends AutoCloseable {

    /** The file the user gave. */
    Path path();

    /** Every file the model's data is read from (the output must not be one of them). */
    List<Path> files();

    /** The metadata the output GGUF starts from (quantize appends its own two keys). */
    Map<String, GgufValue> kv();

    /** Tensors under their GGUF names; type, shape and byte size as stored in the input. */
    List<TensorInfo> tensors();

    Hyperparameters hyperparameters();

    /** Experts per MoE layer (0 for dense models). */
    int experts();

    /** The stored bytes of a tensor of {@link #tensors()}. */
    MemorySegment data(TensorInfo t);

    /**
     * The stored row that holds row {@code row} of the GGUF tensor: the identity, except for
     * converted q/k projections whose rows the input keeps in another RoPE order.
     */
    default long storedRow(TensorInfo t, long row) { return row; }

    /** True when {@link #storedRow} is the identity for this tensor (its bytes can be copied whole). */
    default boolean rowsInOrder(TensorInfo t) { return true; }

    @Override
    void close();

    /**
     * Opens an input for quantize: a GGUF file, a Hugging Face llama folder or
     * {@code model.safetensors} with its config.json, or a llama2.c checkpoint.
     *
     * @param vocab a GGUF or llama2.c tokenizer.bin to take the tokenizer from, or null
     * @param warn  receives one line per thing the user should know (e.g. no tokenizer found)
     */
    static QuantSource open(Path input, Path vocab, Consumer<String> warn) throws IOException {
        ModelFile m = ModelFile.open(input);
        try {
            return switch (m) {
                case GgufFile g -> {
                    if (vocab != null) throw new WeightclassException("--vocab applies to safetensors and llama2.c inputs; "
                            + input + " is GGUF and keeps its own tokenizer");
                    yield of(g);
                }
                case SafetensorsFile s -> HfLlamaSource.of(s, vocab, warn);
                case Llama2cFile l -> Llama2cSource.of(l, vocab, warn);
                default -> throw new WeightclassException(input + ": quantize reads GGUF, Hugging Face llama safetensors "
                        + "and llama2.c checkpoints; this is " + m.format()
                        + (m.format() == dev.weightclass.format.ModelFormat.ONNX ? " (for ONNX use --type int8 or int4)" : ""));
            };
        } catch (IOException | RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /** A GGUF model as it is. */
    static QuantSource of(GgufFile g) {
        return new QuantSource() {
            @Override public Path path() { return g.path(); }
            @Override public List<Path> files() { return g.files(); }
            @Override public Map<String, GgufValue> kv() { return g.kv(); }
            @Override public List<TensorInfo> tensors() { return g.tensors(); }
            @Override public Hyperparameters hyperparameters() { return g.hyperparameters(); }
            @Override public int experts() {
                GgufValue arch = g.kv().get("general.architecture");
                GgufValue n = arch == null ? null : g.kv().get(arch.value() + ".expert_count");
                return n == null ? 0 : (int) n.asLong();
            }
            @Override public MemorySegment data(TensorInfo t) { return g.data(t); }
            @Override public void close() { g.close(); }
        };
    }
}
