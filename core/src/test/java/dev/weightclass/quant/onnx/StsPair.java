package dev.weightclass.quant.onnx;

import dev.weightclass.eval.StsEvaluation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** STS benchmark pairs (header: ... score, sentence1, sentence2) and their Spearman score. */
record StsPair(String first, String second, double gold) {

    static List<StsPair> read(Path tsv) throws IOException {
        List<String> lines = Files.readAllLines(tsv);
        List<String> head = Arrays.asList(lines.getFirst().split("\t"));
        int score = head.indexOf("score"), s1 = head.indexOf("sentence1"), s2 = head.indexOf("sentence2");
        List<StsPair> out = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) continue;
            String[] f = line.split("\t", -1);
            out.add(new StsPair(f[s1], f[s2], Double.parseDouble(f[score])));
        }
        return out;
    }

    /** Spearman of cosine(embedding of first, of second) against gold; embeddings in pair order, two per pair. */
    static double spearman(List<StsPair> pairs, float[][] embeddings) {
        double[] cos = new double[pairs.size()], gold = new double[pairs.size()];
        for (int i = 0; i < pairs.size(); i++) {
            cos[i] = StsEvaluation.cosine(embeddings[2 * i], embeddings[2 * i + 1]);
            gold[i] = pairs.get(i).gold();
        }
        return pearson(ranks(cos), ranks(gold));
    }

    static double[] ranks(double[] v) {
        Integer[] order = new Integer[v.length];
        for (int i = 0; i < v.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Double.compare(v[a], v[b]));
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; ) {
            int j = i;
            while (j + 1 < v.length && v[order[j + 1]] == v[order[i]]) j++;
            for (int k = i; k <= j; k++) r[order[k]] = (i + j) / 2.0 + 1;
            i = j + 1;
        }
        return r;
    }

    static double pearson(double[] x, double[] y) {
        double mx = Arrays.stream(x).average().orElse(0), my = Arrays.stream(y).average().orElse(0);
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < x.length; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxy / Math.sqrt(sxx * syy);
    }
}
