package dev.weightclass.format.gguf;

import dev.weightclass.format.FormatException;
import dev.weightclass.format.Hyperparameters;
import dev.weightclass.format.MappedFile;
import dev.weightclass.format.ModelFile;
import dev.weightclass.format.ModelFormat;
import dev.weightclass.format.TokenizerInfo;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorRoles;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An opened GGUF model: one file, or every shard of a split model ({@code NAME-00001-of-00003.gguf}).
 * Metadata is kept typed ({@link #kv()}) so it can be written back byte for byte; tensor data stays
 * in the memory-mapped files.
 */
public final class GgufFile implements ModelFile {
    private static final Pattern SHARD = Pattern.compile("(.+)-(\\d{5})-of-(\\d{5})\\.gguf");

    private final Path path;
    private final List<MappedFile> maps;
    private final List<GgufHeader> headers;
    private final List<TensorInfo> tensors;
    private final List<GgufTensorSpec> specs;
    private final Map<String, Integer> indexByName;
    private final Hyperparameters hyperparameters;
    private final Optional<TokenizerInfo> tokenizer;

    private GgufFile(Path path, List<MappedFile> maps, List<GgufHeader> headers) {
        this.path = path;
        this.maps = maps;
        this.headers = headers;
        List<TensorInfo> ts = new ArrayList<>();
        List<GgufTensorSpec> ss = new ArrayList<>();
        Map<String, Integer> byName = new HashMap<>();
        for (int f = 0; f < headers.size(); f++) {
            GgufHeader h = headers.get(f);
            for (GgufHeader.Tensor t : h.tensors()) {
                if (byName.putIfAbsent(t.name(), ts.size()) != null) {
                    throw new FormatException(h.path(), "tensor '" + t.name() + "'", t.infoOffset(),
                            "tensor name also appears in another shard");
                }
                TensorRoles.Classification c = TensorRoles.classify(t.name());
                ts.add(new TensorInfo(t.name(), GgufTensorSpec.reverse(t.ne()), t.type(), f,
                        h.dataOffset() + t.offset(), t.byteSize(), c.role(), c.layer()));
                ss.add(t.spec());
            }
        }
        this.tensors = List.copyOf(ts);
        this.specs = List.copyOf(ss);
        this.indexByName = byName;
        this.hyperparameters = GgufModelInfo.hyperparameters(kv(), tensors, byName.keySet());
        this.tokenizer = GgufModelInfo.tokenizer(kv());
    }

    /** Opens a GGUF file; a shard of a split model opens every shard. */
    public static GgufFile open(Path file) throws IOException {
        List<MappedFile> maps = new ArrayList<>();
        try {
            MappedFile first = MappedFile.open(file);
            maps.add(first);
            GgufHeader h = GgufParser.parse(first);
            List<GgufHeader> headers = new ArrayList<>(List.of(h));
            int count = splitCount(h);
            if (count > 1) {
                List<Path> shards = shardPaths(h, count);
                headers.clear();
                maps.clear();
                first.close();
                for (int i = 0; i < count; i++) {
                    MappedFile m = MappedFile.open(shards.get(i));
                    maps.add(m);
                    GgufHeader sh = GgufParser.parse(m);
                    checkShard(sh, i, count);
                    headers.add(sh);
                }
                checkTensorTotal(headers);
            }
            return new GgufFile(file, List.copyOf(maps), List.copyOf(headers));
        } catch (IOException | RuntimeException e) {
            for (MappedFile m : maps) {
                try {
                    m.close();
                } catch (RuntimeException ignored) {
                    // already closed
                }
            }
            throw e;
        }
    }

    private static int splitCount(GgufHeader h) {
        GgufValue v = h.kv().get("split.count");
        if (v == null) return 1;
        if (!v.type().isInteger() || v.asLong() < 1 || v.asLong() > 99_999) {
            throw new FormatException(h.path(), "split.count", h.kvOffsets().get("split.count"), "invalid shard count " + v.plain());
        }
        return (int) v.asLong();
    }

    private static List<Path> shardPaths(GgufHeader h, int count) {
        String name = String.valueOf(h.path().getFileName());
        Matcher m = SHARD.matcher(name);
        long at = h.kvOffsets().get("split.count");
        if (!m.matches()) {
            throw new FormatException(h.path(), "split.count", at, "the model is split into " + count
                    + " files but the file name does not follow NAME-00001-of-0000N.gguf, so the other shards cannot be found");
        }
        if (Integer.parseInt(m.group(3)) != count) {
            throw new FormatException(h.path(), "split.count", at, "split.count is " + count + " but the file name says "
                    + Integer.parseInt(m.group(3)) + " shards");
        }
        Path dir = h.path().toAbsolutePath().getParent();
        List<Path> paths = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            Path p = dir.resolve(String.format("%s-%05d-of-%05d.gguf", m.group(1), i, count));
            if (!Files.isRegularFile(p)) {
                throw new FormatException(h.path(), "split.count", at, "shard " + i + " of " + count
                        + " is missing: " + p.getFileName() + " not found in " + dir);
            }
            paths.add(p);
        }
        return paths;
    }

    private static void checkShard(GgufHeader h, int index, int count) {
        GgufValue no = h.kv().get("split.no");
        GgufValue c = h.kv().get("split.count");
        if (c == null || !c.type().isInteger() || c.asLong() != count) {
            throw new FormatException(h.path(), "split.count", c == null ? 0 : h.kvOffsets().get("split.count"),
                    "shard " + (index + 1) + " does not say it is one of " + count);
        }
        if (no != null && (!no.type().isInteger() || no.asLong() != index)) {
            throw new FormatException(h.path(), "split.no", h.kvOffsets().get("split.no"),
                    "shard number " + no.plain() + " but the file name says " + index + " (0-based)");
        }
    }

    private static void checkTensorTotal(List<GgufHeader> headers) {
        GgufHeader first = headers.getFirst();
        GgufValue total = first.kv().get("split.tensors.count");
        if (total == null || !total.type().isInteger()) return;
        long n = headers.stream().mapToLong(h -> h.tensors().size()).sum();
        if (total.asLong() != n) {
            throw new FormatException(first.path(), "split.tensors.count", first.kvOffsets().get("split.tensors.count"),
                    "says " + total.asLong() + " tensors but the shards hold " + n);
        }
    }

    // ---- GGUF specifics ----

    /** The metadata of the first file, typed and in file order. */
    public Map<String, GgufValue> kv() { return headers.getFirst().kv(); }

    /** The metadata of one shard (later shards of a split model usually hold only split.* keys). */
    public Map<String, GgufValue> kv(int fileIndex) { return headers.get(fileIndex).kv(); }

    public int version() { return headers.getFirst().version(); }

    public int alignment() { return headers.getFirst().alignment(); }

    /** Absolute offset of the tensor-data section in file {@code fileIndex}. */
    public long dataOffset(int fileIndex) { return headers.get(fileIndex).dataOffset(); }

    /** The tensors as the header declares them (ggml {@code ne} order), in {@link #tensors()} order. */
    public List<GgufTensorSpec> tensorSpecs() { return specs; }

    /** A tensor's offset relative to its file's data section. */
    public long relativeOffset(TensorInfo t) { return t.offset() - dataOffset(t.fileIndex()); }

    /** Bytes before the data section (padding included) of file {@code fileIndex}. */
    public long headerBytes(int fileIndex) { return headers.get(fileIndex).dataOffset(); }

    // ---- ModelFile ----

    @Override
    public ModelFormat format() { return ModelFormat.GGUF; }

    @Override
    public Path path() { return path; }

    @Override
    public List<Path> files() { return maps.stream().map(MappedFile::path).toList(); }

    @Override
    public long fileBytes() { return maps.stream().mapToLong(MappedFile::length).sum(); }

    @Override
    public List<TensorInfo> tensors() { return tensors; }

    @Override
    public Map<String, Object> metadata() {
        Map<String, Object> out = new LinkedHashMap<>();
        kv().forEach((k, v) -> out.put(k, v.plain()));
        return Collections.unmodifiableMap(out);
    }

    @Override
    public Hyperparameters hyperparameters() { return hyperparameters; }

    @Override
    public Optional<TokenizerInfo> tokenizer() { return tokenizer; }

    @Override
    public MemorySegment data(TensorInfo tensor) {
        Integer i = indexByName.get(tensor.name());
        TensorInfo own = i == null ? null : tensors.get(i);
        if (own == null || own.fileIndex() != tensor.fileIndex() || own.offset() != tensor.offset()
                || own.byteSize() != tensor.byteSize()) {
            throw new IllegalArgumentException(tensor.name() + " is not a tensor of " + path);
        }
        return maps.get(tensor.fileIndex()).slice(tensor.offset(), tensor.byteSize(), "tensor '" + tensor.name() + "'");
    }

    @Override
    public void close() {
        for (MappedFile m : maps) m.close();
    }
}
