package dev.weightclass.eval;

import dev.weightclass.WeightclassException;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Sentence pairs with a gold similarity score, tab-separated as the STS benchmark ships them:
 * with a header naming the {@code score}, {@code sentence1} and {@code sentence2} columns, or
 * without one in the original 7-column layout (genre, file, years, id, score, sentence1, sentence2).
 */
public final class StsFile {
    private StsFile() {}

    public record Pair(String first, String second, double gold) {}

    public static List<Pair> read(Path file) throws IOException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (CharacterCodingException e) {
            throw new WeightclassException(file + ": not UTF-8 text");
        }
        String[] lines = text.split("\r?\n");
        int score = 4, s1 = 5, s2 = 6, first = 0;
        if (lines.length > 0) {
            List<String> head = Arrays.asList(lines[0].split("\t"));
            if (head.contains("score") || head.contains("sentence1")) {
                score = head.indexOf("score");
                s1 = head.indexOf("sentence1");
                s2 = head.indexOf("sentence2");
                if (score < 0 || s1 < 0 || s2 < 0) {
                    throw new WeightclassException(file + " line 1: the header must name the columns score, sentence1 and sentence2");
                }
                first = 1;
            }
        }
        int need = Math.max(score, Math.max(s1, s2)) + 1;
        List<Pair> out = new ArrayList<>();
        for (int i = first; i < lines.length; i++) {
            if (lines[i].isBlank()) continue;
            String[] f = lines[i].split("\t", -1);
            if (f.length < need) {
                throw new WeightclassException(file + " line " + (i + 1) + ": " + f.length + " tab-separated columns, expected at least "
                        + need + " (score, sentence1, sentence2 at columns " + (score + 1) + ", " + (s1 + 1) + ", " + (s2 + 1) + ")");
            }
            double g;
            try {
                g = Double.parseDouble(f[score].trim());
            } catch (NumberFormatException e) {
                throw new WeightclassException(file + " line " + (i + 1) + ": score '" + f[score] + "' is not a number");
            }
            if (!Double.isFinite(g)) throw new WeightclassException(file + " line " + (i + 1) + ": score '" + f[score] + "' is not finite");
            out.add(new Pair(f[s1], f[s2], g));
        }
        if (out.size() < 2) throw new WeightclassException(file + ": needs at least 2 sentence pairs, found " + out.size());
        return out;
    }
}
