package dev.weightclass.format.gguf;

import dev.weightclass.tensor.TensorType;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One GGUF file's header as read and validated by {@link GgufParser}.
 *
 * @param path       the file
 * @param version    2 or 3
 * @param kv         metadata in file order
 * @param kvOffsets  byte offset of each key's entry (for error messages)
 * @param tensors    tensor infos in file order
 * @param alignment  data alignment (general.alignment or 32)
 * @param headerEnd  first byte after the tensor infos
 * @param dataOffset start of the tensor-data section (headerEnd padded to the alignment)
 * @param fileLength the file's length in bytes
 */
record GgufHeader(Path path, int version, Map<String, GgufValue> kv, Map<String, Long> kvOffsets,
                  List<Tensor> tensors, int alignment, long headerEnd, long dataOffset, long fileLength) {

    /**
     * A tensor info.
     *
     * @param offset     data offset relative to the data section
     * @param byteSize   bytes of data
     * @param infoOffset where the tensor info starts in the file
     */
    record Tensor(String name, long[] ne, TensorType type, long offset, long byteSize, long infoOffset) {
        GgufTensorSpec spec() { return new GgufTensorSpec(name, ne, type); }
    }
}
