package dev.weightclass.format.onnx;

import dev.weightclass.format.FormatException;
import dev.weightclass.format.Hyperparameters;
import dev.weightclass.format.MappedFile;
import dev.weightclass.format.ModelFile;
import dev.weightclass.format.ModelFormat;
import dev.weightclass.format.TokenizerInfo;
import dev.weightclass.format.onnx.proto.Onnx;
import dev.weightclass.tensor.TensorInfo;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An opened ONNX model. File 0 is the .onnx file; external data files follow in the order they
 * are first referenced. Initializer data stays in the mapped files, with one exception: values
 * stored in varint-encoded typed fields ({@code int32_data}, {@code int64_data},
 * {@code uint64_data}, or unpacked repeats), which have no raw byte layout in the file. Those are
 * decoded into a heap copy on first {@link #data} call (exporters use typed fields only for small
 * tensors: scales, zero points, shape vectors); their {@link TensorInfo#offset()} is where the
 * encoded values start in the .onnx file.
 */
public final class OnnxFile implements ModelFile {
    private final Path path;
    private final List<Path> files;
    private final List<MappedFile> mapped;
    private final List<TensorInfo> tensors;
    private final Map<String, OnnxTensor> byName = new HashMap<>();
    private final Map<String, Object> metadata;
    private final Hyperparameters hyperparameters;
    private final Optional<TokenizerInfo> tokenizer;
    private final Map<String, byte[]> decoded = new ConcurrentHashMap<>();
    private final OnnxGraph graph;
    private final OnnxScan scan;
    private final List<OnnxTensor> initializers;

    OnnxFile(Path path, List<Path> files, List<MappedFile> mapped, OnnxScan scan, List<OnnxTensor> raw,
             List<TensorInfo> tensors, Map<String, Object> metadata, Hyperparameters hyperparameters,
             Optional<TokenizerInfo> tokenizer, OnnxGraph graph) {
        this.path = path;
        this.graph = graph;
        this.scan = scan;
        this.initializers = List.copyOf(raw);
        this.files = List.copyOf(files);
        this.mapped = List.copyOf(mapped);
        for (OnnxTensor t : raw) byName.put(t.name(), t);
        this.tensors = List.copyOf(tensors);
        this.metadata = Collections.unmodifiableMap(metadata);
        this.hyperparameters = hyperparameters;
        this.tokenizer = tokenizer;
    }

    /** The nodes and their wiring (initializer data is not in it: use {@link #data}). */
    public OnnxGraph graph() { return graph; }

    @Override public ModelFormat format() { return ModelFormat.ONNX; }

    @Override public Path path() { return path; }

    @Override public List<Path> files() { return files; }

    @Override public long fileBytes() { return mapped.stream().mapToLong(MappedFile::length).sum(); }

    @Override public List<TensorInfo> tensors() { return tensors; }

    @Override public Map<String, Object> metadata() { return metadata; }

    @Override public Hyperparameters hyperparameters() { return hyperparameters; }

    @Override public Optional<TokenizerInfo> tokenizer() { return tokenizer; }

    /** The ModelProto without its graph: IR version, opset imports, producer, metadata. */
    public Onnx.ModelProto modelHeader() { return scan.model(); }

    /** The GraphProto without its initializers: nodes, inputs, outputs, value infos. */
    public Onnx.GraphProto graphStructure() { return scan.graph(); }

    /** Sparse initializers the reader skipped. */
    public int sparseInitializerCount() { return scan.sparseInitializers(); }

    /** Initializer names in file order. */
    public List<String> initializerNames() { return initializers.stream().map(OnnxTensor::name).toList(); }

    /** The ONNX {@code data_type} of an initializer. */
    public int dataType(String name) { return (int) initializer(name).dataType(); }

    OnnxTensor initializer(String name) {
        OnnxTensor t = byName.get(name);
        if (t == null) throw new IllegalArgumentException("no initializer named " + name + " in " + path);
        return t;
    }

    List<MappedFile> mapped() { return mapped; }

    @Override
    public MemorySegment data(TensorInfo tensor) {
        return data(tensor.name());
    }

    /** An initializer's raw little-endian bytes (mapped; decoded typed values are a small heap copy). */
    public MemorySegment data(String name) {
        OnnxTensor t = initializer(name);
        if (t.storage() == OnnxTensor.Storage.DECODED) {
            return MemorySegment.ofArray(decoded.computeIfAbsent(t.name(), k -> decode(t, mapped))).asReadOnly();
        }
        return dataWhileOpening(t, mapped);
    }

    /** Used by the reader before the OnnxFile exists. */
    static MemorySegment dataWhileOpening(OnnxTensor t, List<MappedFile> files) {
        if (t.storage() == OnnxTensor.Storage.DECODED) {
            return MemorySegment.ofArray(decode(t, files)).asReadOnly();
        }
        if (t.storage() == OnnxTensor.Storage.EMPTY) return MemorySegment.ofArray(new byte[0]).asReadOnly();
        if (t.fileIndex() < 0) throw new FormatException(files.getFirst().path(), t.name(), -1, "external data not resolved");
        return files.get(t.fileIndex()).slice(t.offset(), t.byteSize(), t.name());
    }

    private static byte[] decode(OnnxTensor t, List<MappedFile> files) {
        MappedFile f = files.getFirst();
        return t.decode(new Wire(f.path(), f.segment(), 0, f.length(), "TensorProto"));
    }

    @Override
    public void close() {
        for (MappedFile f : mapped) f.close();
    }
}
