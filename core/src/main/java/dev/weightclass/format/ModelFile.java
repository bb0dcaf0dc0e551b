package dev.weightclass.format;

import dev.weightclass.tensor.TensorInfo;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An opened model: its tensors, metadata and hyperparameters in one view, whatever the format.
 * Tensor data stays in the memory-mapped file; {@link #data(TensorInfo)} returns a slice of it.
 * Close the model to unmap its files.
 */
public interface ModelFile extends AutoCloseable {

    /** Opens a file or a folder (safetensors + config.json, or an ONNX model with tokenizer.json). */
    static ModelFile open(Path path) throws IOException {
        return ModelFiles.open(path);
    }

    ModelFormat format();

    /** The path the user gave. */
    Path path();

    /** Every file the model consists of (shards, external data), in {@code fileIndex} order. */
    List<Path> files();

    /** Total bytes of all files. */
    long fileBytes();

    /** Tensors in file order. */
    List<TensorInfo> tensors();

    /** Format metadata in file order (GGUF key/values, safetensors __metadata__, ONNX props...). */
    Map<String, Object> metadata();

    Hyperparameters hyperparameters();

    Optional<TokenizerInfo> tokenizer();

    /** The tensor's bytes, a read-only slice of the mapped file, valid until {@link #close()}. */
    MemorySegment data(TensorInfo tensor);

    default Optional<TensorInfo> tensor(String name) {
        return tensors().stream().filter(t -> t.name().equals(name)).findFirst();
    }

    @Override
    void close();
}
