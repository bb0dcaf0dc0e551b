package dev.weightclass.distill.encoder;

import dev.weightclass.WeightclassException;
import dev.weightclass.eval.StsFile;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Training sentences for an encoder student: both sides of every pair of an STS file (a .tsv with
 * a sentence1/sentence2 header or the 7-column layout), and plain text split into sentences.
 * Duplicates are kept once, in first-seen order, so the list is the same on every run.
 */
public final class SentenceCorpus {
    private SentenceCorpus() {}

    /** Fewer words than this is a heading or a stage direction, not a sentence. */
    static final int MIN_WORDS = 3;
    /** Longer runs (lists, verse without punctuation) are cut into pieces of at most this many words. */
    static final int MAX_WORDS = 40;

    /** A line that only names a speaker ("First Citizen:"): not part of any sentence. */
    private static final Pattern SPEAKER = Pattern.compile("^[A-Z][A-Za-z' ]{0,40}:$");
    private static final Pattern SENTENCE_END = Pattern.compile("(?<=[.!?;]['\"”’)]{0,3})\\s+");

    /** The sentences of every file, in order, without duplicates. */
    public static List<String> read(List<Path> files) throws IOException {
        Set<String> out = new LinkedHashSet<>();
        for (Path f : files) {
            if (!Files.isRegularFile(f)) throw new WeightclassException(f + ": no such file");
            if (f.getFileName().toString().endsWith(".tsv")) {
                for (StsFile.Pair p : StsFile.read(f)) {
                    out.add(p.first().strip());
                    out.add(p.second().strip());
                }
            } else {
                out.addAll(split(text(f)));
            }
        }
        out.remove("");
        return List.copyOf(out);
    }

    /**
     * Prose into sentences: speaker lines dropped, paragraphs (blank-line separated) joined into one
     * line each, then cut after . ! ? or ; and kept when at least {@link #MIN_WORDS} words long.
     */
    public static List<String> split(String text) {
        List<String> out = new ArrayList<>();
        for (String paragraph : text.split("\\r?\\n\\s*\\r?\\n")) {
            StringBuilder joined = new StringBuilder();
            for (String line : paragraph.split("\\r?\\n")) {
                String l = line.strip();
                if (l.isEmpty() || SPEAKER.matcher(l).matches()) continue;
                if (!joined.isEmpty()) joined.append(' ');
                joined.append(l);
            }
            for (String s : SENTENCE_END.split(joined)) {
                String[] words = s.strip().split("\\s+");
                for (int from = 0; from < words.length; from += MAX_WORDS) {
                    int to = Math.min(words.length, from + MAX_WORDS);
                    if (to - from >= MIN_WORDS) out.add(String.join(" ", java.util.Arrays.copyOfRange(words, from, to)));
                }
            }
        }
        return out;
    }

    private static String text(Path f) throws IOException {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(f))).toString();
        } catch (CharacterCodingException e) {
            throw new WeightclassException(f + ": not UTF-8 text");
        }
    }
}
