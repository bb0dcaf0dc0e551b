package dev.weightclass.distill.decoder;

import dev.weightclass.WeightclassException;
import dev.weightclass.runtime.Generation;
import dev.weightclass.runtime.LlamaModel;
import dev.weightclass.runtime.Sampler;
import dev.weightclass.runtime.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;

/**
 * Training text as token sequences: documents (separated by blank lines) tokenized with BOS
 * first, split into sequences of at most {@code context} tokens in which every token after the
 * first is a prediction target exactly once.
 */
public final class TextData {
    private TextData() {}

    /** The documents of a text file, each tokenized with BOS first; documents of one token are dropped. */
    public static List<int[]> documents(Path file, Tokenizer tok) throws IOException {
        return documents(texts(file), tok);
    }

    /** The documents of a text file: blank-line separated, stripped, empty ones dropped. */
    public static List<String> texts(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        List<String> out = new ArrayList<>();
        for (String d : text.split("\\n\\s*\\n")) {
            String s = d.strip();
            if (!s.isEmpty()) out.add(s);
        }
        return out;
    }

    /** Each text tokenized with BOS first; texts of no token are dropped. */
    public static List<int[]> documents(List<String> texts, Tokenizer tok) {
        List<int[]> docs = new ArrayList<>();
        for (String s : texts) {
            int[] ids = tok.encode(s, false);
            int[] withBos = new int[ids.length + 1];
            withBos[0] = tok.bos() >= 0 ? tok.bos() : 1;
            System.arraycopy(ids, 0, withBos, 1, ids.length);
            if (withBos.length >= 2) docs.add(withBos);
        }
        return docs;
    }

    /** Splits documents into sequences of at most {@code context} tokens overlapping by one (each target once). */
    public static List<int[]> sequences(List<int[]> docs, int context) {
        List<int[]> out = new ArrayList<>();
        for (int[] d : docs) {
            for (int start = 0; start < d.length - 1; start += context - 1) {
                int end = Math.min(d.length, start + context);
                out.add(java.util.Arrays.copyOfRange(d, start, end));
            }
        }
        return out;
    }

    /** The documents split into (training, held out): a seeded {@code fraction} of them held out, at least one. */
    public static List<List<int[]>> split(List<int[]> docs, double fraction, long seed) {
        List<int[]> shuffled = new ArrayList<>(docs);
        java.util.Collections.shuffle(shuffled, new java.util.Random(seed));
        int held = fraction <= 0 ? 0 : Math.max(1, (int) Math.round(fraction * docs.size()));
        if (fraction > 0 && held >= docs.size()) {
            throw new WeightclassException("--data holds " + docs.size() + " document(s): too few to hold "
                    + Math.round(fraction * 100) + "% out and still train (add text or lower --holdout)");
        }
        return List.of(shuffled.subList(held, shuffled.size()), shuffled.subList(0, held));
    }

    /**
     * {@code n} texts the teacher writes itself from BOS with core's runtime (temperature 1, no
     * top-p cut: the teacher's own distribution), {@code context} tokens at most, seeded per text.
     */
    public static List<int[]> generate(LlamaModel teacher, int n, int context, int bos, int eos, long seed,
                                       IntConsumer progress) {
        List<int[]> out = new ArrayList<>();
        SplittableRandom seeds = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            Sampler s = new Sampler(1f, 1f, seeds.nextLong());
            Generation.Result r = Generation.generate(teacher, new int[] {bos}, context - 1, s, eos, null);
            if (r.ids().length >= 2) out.add(r.ids());
            if (progress != null) progress.accept(i + 1);
        }
        return out;
    }

    /** A 64-bit FNV-1a hash of token sequences (identifies the data in fingerprints). */
    public static long hash(List<int[]> seqs) {
        long h = 0xcbf29ce484222325L;
        for (int[] s : seqs) {
            h = (h ^ s.length) * 0x100000001b3L;
            for (int t : s) h = (h ^ t) * 0x100000001b3L;
        }
        return h;
    }

    /** Tokens that are prediction targets. */
    public static long targets(List<int[]> seqs) {
        long n = 0;
        for (int[] s : seqs) n += s.length - 1;
        return n;
    }
}
