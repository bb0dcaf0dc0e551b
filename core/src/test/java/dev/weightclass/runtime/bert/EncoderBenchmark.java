package dev.weightclass.runtime.bert;

import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import dev.weightclass.format.BundledModels;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * MiniLM embedding throughput, ours against ONNX Runtime Java on the same STS sentences, same
 * thread count, taking turns block by block so both see the same machine load (ORT's worker
 * threads block instead of spinning while they wait, see {@link OrtReference}):
 * <pre>
 *   mvn -q -o test-compile && java --add-modules jdk.incubator.vector -cp "$(cat target/test-classpath.txt)" \
 *       dev.weightclass.runtime.bert.EncoderBenchmark [sts.tsv] [threads] [rounds] [fp32|int8]
 * </pre>
 * (write the class path once with {@code mvn -q -o dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * -Dmdep.includeScope=test} and append {@code target/classes:target/test-classes}).
 */
public final class EncoderBenchmark {
    public static void main(String[] args) throws Exception {
        Path sts = args.length > 0 ? Path.of(args[0]) : dev.weightclass.SharedData.root().resolve("data/sts-benchmark/sts-dev.ccbysa-subset.tsv");
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        boolean int8 = args.length > 3 && args[3].equals("int8");
        Path model = BundledModels.extract(int8 ? BundledModels.MINILM_L6_V2_INT8 : BundledModels.MINILM_L6_V2);
        List<String> sentences = OrtReference.sentences(sts);
        try (SentenceEncoder enc = SentenceEncoder.open(model, threads);
             OrtReference ort = new OrtReference(model, threads, OptLevel.ALL_OPT)) {
            List<int[]> ids = new ArrayList<>();
            long tokens = 0;
            for (String s : sentences) {
                ids.add(enc.tokens(s));
                tokens += ids.getLast().length;
            }
            System.out.printf("%s, %d sentences, %d tokens, %d threads, %s%n", model.getFileName(), ids.size(), tokens,
                    threads, Runtime.version());
            for (int batch : new int[] {1, 32}) {
                run("warm-up", ids, batch, enc, ort, tokens, true);
                for (int r = 0; r < rounds; r++) run("round " + (r + 1), ids, batch, enc, ort, tokens, false);
            }
        }
    }

    /**
     * One pass over the sentences in batches; ours and ORT take turns on each block of 64 sentences
     * (alternating who goes first), so both see the same machine load even when it changes by the second.
     */
    private static void run(String label, List<int[]> ids, int batch, SentenceEncoder enc, OrtReference ort, long tokens,
                            boolean warm) throws Exception {
        double ours = 0, theirs = 0;
        int block = Math.max(64, batch);
        for (int b0 = 0, turn = 0; b0 < ids.size(); b0 += block, turn++) {
            List<int[]> part = ids.subList(b0, Math.min(ids.size(), b0 + block));
            Work o = () -> {
                for (int i = 0; i < part.size(); i += batch) enc.model().embed(part.subList(i, Math.min(part.size(), i + batch)));
            };
            Work t = () -> {
                for (int i = 0; i < part.size(); i += batch) ort.embed(part.subList(i, Math.min(part.size(), i + batch)));
            };
            if (turn % 2 == 0) {
                ours += time(o);
                theirs += time(t);
            } else {
                theirs += time(t);
                ours += time(o);
            }
        }
        if (warm) return;
        System.out.printf("batch %2d %s: weightclass %7.1f sentences/s (%6.0f tokens/s), ORT %7.1f sentences/s, ratio %.2f%n",
                batch, label, ids.size() / ours, tokens / ours, ids.size() / theirs, theirs / ours);
    }

    interface Work {
        void run() throws Exception;
    }

    private static double time(Work w) throws Exception {
        long t0 = System.nanoTime();
        w.run();
        return (System.nanoTime() - t0) / 1e9;
    }
}
