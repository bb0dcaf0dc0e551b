package dev.weightclass.format.llama2c;

import dev.weightclass.format.ByteReader;
import dev.weightclass.format.FormatException;
import dev.weightclass.format.Hyperparameters;
import dev.weightclass.format.MappedFile;
import dev.weightclass.format.ModelFile;
import dev.weightclass.format.ModelFormat;
import dev.weightclass.format.TokenizerInfo;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorRoles;
import dev.weightclass.tensor.TensorType;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A legacy (version 0) llama2.c checkpoint: 7 int32 hyperparameters, then f32 arrays in a fixed
 * order. Per-layer arrays are exposed one tensor per layer ({@code layers.0.wq}). The RoPE tables
 * the file also stores are skipped: they are not parameters. The tokenizer ({@code tokenizer.bin}
 * or {@code tok*.bin} beside the checkpoint) is picked up when its size matches.
 */
public final class Llama2cFile implements ModelFile {

    private final Path path;
    private final MappedFile file;
    private final Llama2cHeader header;
    private final List<TensorInfo> tensors;
    private final Map<String, Object> metadata;
    private final Optional<Llama2cTokenizer> tokenizer;

    private Llama2cFile(Path path, MappedFile file, Llama2cHeader header, List<TensorInfo> tensors,
                        Optional<Llama2cTokenizer> tokenizer) {
        this.path = path;
        this.file = file;
        this.header = header;
        this.tensors = List.copyOf(tensors);
        this.tokenizer = tokenizer;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("llama2c.version", 0);
        int[] v = header.values();
        for (int i = 0; i < v.length; i++) m.put("llama2c." + Llama2cHeader.FIELDS[i], v[i]);
        m.put("llama2c.shared_classifier", header.sharedClassifier());
        tokenizer.ifPresent(t -> m.put("llama2c.tokenizer", String.valueOf(t.path().getFileName())));
        this.metadata = Collections.unmodifiableMap(m);
    }

    public static Llama2cFile open(Path path) throws IOException {
        MappedFile f = MappedFile.open(path);
        try {
            Llama2cHeader h = readHeader(f);
            List<TensorInfo> ts = new ArrayList<>();
            for (Llama2cHeader.Slot s : h.layout()) {
                if (!s.isParameter()) continue;
                TensorRoles.Classification c = TensorRoles.classify(s.name());
                ts.add(new TensorInfo(s.name(), s.shape(), TensorType.F32, 0, s.offset(), s.byteSize(), c.role(), c.layer()));
            }
            return new Llama2cFile(path, f, h, ts, Llama2cTokenizer.beside(path, h.vocab()));
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /** Reads and checks the header, and that the file is exactly as long as it implies. */
    static Llama2cHeader readHeader(MappedFile f) {
        Path path = f.path();
        ByteReader r = f.reader(0);
        if (f.length() < Llama2cHeader.BYTES) {
            throw new FormatException(path, "header", 0, "file has " + f.length()
                    + " bytes, too short for the 28-byte llama2.c header");
        }
        int[] v = new int[7];
        for (int i = 0; i < 7; i++) v[i] = r.i32(Llama2cHeader.FIELDS[i]);
        Llama2cHeader h = Llama2cHeader.of(v);
        String problem = h.problem();
        if (problem != null) {
            int field = h.problemField();
            throw new FormatException(path, Llama2cHeader.FIELDS[field], 4L * field,
                    "implausible llama2.c header: " + problem);
        }
        List<Llama2cHeader.Slot> layout;
        try {
            layout = h.layout();
        } catch (ArithmeticException e) {
            throw new FormatException(path, "header", 0, "header (" + h + ") implies a size that overflows 64 bits");
        }
        long expected = layout.getLast().end();
        long actual = f.length();
        if (actual < expected) {
            Llama2cHeader.Slot cut = layout.stream().filter(s -> s.end() > actual).findFirst().orElseThrow();
            throw new FormatException(path, cut.name(), cut.offset(), "truncated llama2.c checkpoint: the header ("
                    + h + ") implies " + expected + " bytes but the file has " + actual + "; " + cut.name()
                    + " needs " + cut.byteSize() + " bytes from here" + signHint(h, actual));
        }
        if (actual > expected) {
            throw new FormatException(path, "end of weights", expected, "the header (" + h + ") implies " + expected
                    + " bytes but the file has " + actual + " (" + (actual - expected)
                    + " bytes too many: not a legacy llama2.c checkpoint as this header describes it)" + signHint(h, actual));
        }
        return h;
    }

    /** Suggests the other classifier layout when it would fit the file exactly. */
    private static String signHint(Llama2cHeader h, long actual) {
        Llama2cHeader flipped = new Llama2cHeader(h.dim(), h.hiddenDim(), h.layers(), h.heads(), h.kvHeads(),
                -h.vocabSize(), h.seqLen());
        try {
            if (flipped.fileSize() == actual) {
                return "; the size fits a " + (flipped.sharedClassifier() ? "shared" : "separate")
                        + " classifier, so the sign of vocab_size is wrong";
            }
        } catch (ArithmeticException ignored) {
            // no hint
        }
        return "";
    }

    public Llama2cHeader header() { return header; }

    /** The tokenizer found beside the checkpoint, if any. */
    public Optional<Llama2cTokenizer> llama2cTokenizer() { return tokenizer; }

    @Override public ModelFormat format() { return ModelFormat.LLAMA2C; }

    @Override public Path path() { return path; }

    @Override public List<Path> files() { return List.of(file.path()); }

    @Override public long fileBytes() { return file.length(); }

    @Override public List<TensorInfo> tensors() { return tensors; }

    @Override public Map<String, Object> metadata() { return metadata; }

    @Override public Hyperparameters hyperparameters() { return header.hyperparameters(); }

    @Override public Optional<TokenizerInfo> tokenizer() { return tokenizer.map(Llama2cTokenizer::info); }

    @Override
    public MemorySegment data(TensorInfo t) {
        return file.slice(t.offset(), t.byteSize(), t.name());
    }

    @Override
    public void close() {
        file.close();
    }
}
