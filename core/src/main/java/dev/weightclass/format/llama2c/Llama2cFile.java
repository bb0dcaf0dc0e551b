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
 * A llama2.c checkpoint. The legacy (version 0) file run.c reads: 7 int32 hyperparameters, then
 * f32 arrays in a fixed order; versions 1 (f32) and 2 (int8 with f32 group scales) of the newer
 * export are read too. Per-layer arrays are exposed one tensor per layer ({@code layers.0.wq}). The RoPE tables
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
        m.put("llama2c.version", header.version());
        int[] v = header.values();
        for (int i = 0; i < v.length; i++) m.put("llama2c." + Llama2cHeader.FIELDS[i], v[i]);
        m.put("llama2c.shared_classifier", header.sharedClassifier());
        if (header.version() == 2) m.put("llama2c.group_size", header.groupSize());
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
                ts.add(new TensorInfo(s.name(), s.shape(), s.type(), 0, s.offset(), s.byteSize(), c.role(), c.layer()));
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
        int version = 0;
        if (r.i32("magic") == Llama2cHeader.MAGIC) {
            if (f.length() < Llama2cHeader.V1_BYTES) {
                throw new FormatException(path, "header", 0, "file has " + f.length()
                        + " bytes, too short for the 256-byte header of a versioned llama2.c export");
            }
            version = r.i32("version");
            if (version != 1 && version != 2) {
                throw new FormatException(path, "version", 4, "llama2.c export version " + version
                        + " is not supported (versions 0, 1 and 2 are)");
            }
        } else {
            r.position(0);
        }
        int[] v = new int[7];
        for (int i = 0; i < 7; i++) v[i] = r.i32(Llama2cHeader.FIELDS[i]);
        Llama2cHeader h;
        if (version == 0) {
            h = Llama2cHeader.of(v);
        } else {
            int flag = r.u8("shared_classifier");
            if (flag > 1) throw new FormatException(path, "shared_classifier", 36, "flag must be 0 or 1, found " + flag);
            int group = version == 2 ? r.i32("group_size") : 0;
            h = new Llama2cHeader(version, v[0], v[1], v[2], v[3], v[4], v[5], v[6], flag == 1, group);
        }
        String problem = h.problem();
        if (problem != null) {
            boolean group = problem.startsWith("group_size");
            int field = h.problemField();
            throw new FormatException(path, group ? "group_size" : Llama2cHeader.FIELDS[field],
                    group ? 37 : h.fieldOffset(field), "implausible llama2.c header: " + problem);
        }
        List<Llama2cHeader.Slot> layout;
        String groupProblem;
        try {
            layout = h.layout();
            groupProblem = h.groupProblem();
        } catch (ArithmeticException e) {
            throw new FormatException(path, "header", 0, "header (" + h + ") implies a size that overflows 64 bits");
        }
        if (groupProblem != null) throw new FormatException(path, "group_size", 37, groupProblem);
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
                    + " bytes too many: not a llama2.c checkpoint as this header describes it)" + signHint(h, actual));
        }
        return h;
    }

    /** Suggests the other classifier layout when it would fit the file exactly. */
    private static String signHint(Llama2cHeader h, long actual) {
        Llama2cHeader flipped = h.flipped();
        try {
            if (flipped.fileSize() == actual) {
                return "; the size fits a " + (flipped.sharedClassifier() ? "shared" : "separate") + " classifier, so "
                        + (h.version() == 0 ? "the sign of vocab_size" : "the shared_classifier flag") + " is wrong";
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
