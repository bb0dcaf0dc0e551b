package dev.weightclass.distill.encoder;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weightclass.WeightclassException;
import dev.weightclass.distill.DistillOptions;
import dev.weightclass.distill.Job;
import dev.weightclass.distill.LayerSelection;
import dev.weightclass.distill.Recipe;
import dev.weightclass.distill.ScratchInit;
import dev.weightclass.distill.StudentSize;
import dev.weightclass.distill.train.Batches;
import dev.weightclass.distill.train.Torch;
import dev.weightclass.eval.StsEvaluation;
import dev.weightclass.eval.StsFile;
import dev.weightclass.format.BundledModels;
import dev.weightclass.runtime.bert.BertConfig;
import dev.weightclass.runtime.bert.BertModel;
import dev.weightclass.runtime.bert.BertTensors;
import dev.weightclass.runtime.bert.SentenceEncoder;
import dev.weightclass.format.ModelFile;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Distills BERT-family sentence encoders (float32 ONNX or safetensors): a student with fewer blocks
 * taken from the teacher, optionally narrower ({@link BertSlice}), learns the teacher's sentence embeddings ({@link EmbeddingMse}) on the
 * sentences of {@code --data} (STS files, plain text). The teacher's embeddings are computed once
 * with core's runtime encoder and cached. Held out: {@code heldout_cosine} to the teacher, and with
 * {@code --sts FILE} the student's Spearman on it (the teacher's is drawn as a reference line).
 */
public final class EncoderRecipe implements Recipe {

    /** Pretrained encoders keep what they know only at small rates (2e-3 took STS 0.797 to 0.650 in 10 steps). */
    @Override
    public double defaultLearningRate() {
        return 1e-4;
    }
    /** Held-out sentences are at most this many: they are embedded at every evaluation. */
    static final int MAX_HELDOUT = 256;
    /** Default --context for encoders: sentences are short, and a batch is as long as its longest. */
    static final int CONTEXT = 64;

    @Override
    public String kind() { return "encoder"; }

    @Override
    public boolean accepts(ModelFile teacher) {
        return BertModel.isEncoder(teacher);
    }

    @Override
    public Job<?> prepare(ModelFile teacherFile, DistillOptions o, NDManager manager, PrintWriter out, PrintWriter err)
            throws IOException {
        if (o.generate > 0) throw new WeightclassException("--generate: an encoder student learns from the sentences of --data; it generates no text");
        if (o.baseline) throw new WeightclassException("--baseline: encoder distillation has no baseline run (without the teacher there is no target)");
        if (o.sts != null && !java.nio.file.Files.isRegularFile(o.sts)) throw new WeightclassException(o.sts + ": no such file (--sts)");
        BertConfig tc = BertTensors.config(teacherFile);
        int[] layers = LayerSelection.choose(tc.layers(), o.layers, o.initLayers);
        BertConfig sc = BertSlice.studentConfig(tc, layers.length, o.dim == null ? tc.hidden() : o.dim,
                o.ffn == null ? tc.intermediate() : o.ffn);
        long teacherParams = StudentSize.of(configNode(tc), "teacher").parameters();
        out.printf(Locale.ROOT, "teacher %s: BERT encoder, %d blocks, width %d, %d heads, FFN %d, %,d parameters%n",
                teacherFile.path().getFileName(), tc.layers(), tc.hidden(), tc.heads(), tc.intermediate(), teacherParams);
        boolean narrowed = sc.hidden() < tc.hidden() || sc.intermediate() < tc.intermediate();
        out.printf(Locale.ROOT, "student: %d blocks from teacher blocks %s, width %d, %d heads, FFN %d%s; loss: MSE of the "
                        + "sentence embeddings%s%n", layers.length, LayerSelection.join(layers), sc.hidden(), sc.heads(),
                sc.intermediate(), !narrowed ? "" : o.scratch() ? " (narrowed tensors start random: --init scratch)"
                        : " (narrowed tensors keep the teacher's strongest channels, heads and units)",
                sc.hidden() < tc.hidden() ? " through a learned " + sc.hidden() + " -> " + tc.hidden() + " projection (training only)" : "");
        var size = StudentSize.of(configNode(sc), "student");
        out.print(StudentSize.describe(size, teacherParams));
        out.flush();
        StudentSize.requireSmaller(size, teacherParams);

        int threads = o.threads != null ? o.threads : Torch.defaultThreads();
        try (SentenceEncoder teacher = SentenceEncoder.open(teacherFile.path(), threads)) {
            List<Path> files = o.dataFiles();
            List<String> sentences = SentenceCorpus.read(files);
            List<int[]> tokens = new ArrayList<>(sentences.size());
            int context = o.context != null ? o.context : CONTEXT;
            if (context < 3) throw new WeightclassException("--context must be at least 3 tokens ([CLS], one token, [SEP])");
            for (String s : sentences) tokens.add(teacher.tokens(s, context));
            int held = (int) Math.min(MAX_HELDOUT, Math.round(o.holdout * tokens.size()));
            if (tokens.size() - held < o.batch) {
                throw new WeightclassException("--data: " + (tokens.size() - held) + " training sentences (of " + sentences.size()
                        + " after holding out " + held + ") are fewer than one --batch of " + o.batch);
            }
            Path cache = o.teacherCache != null ? o.teacherCache
                    : TeacherEmbeddings.defaultFile(BundledModels.cacheRoot().resolve("distill"), teacherFile.path(), tokens);
            err.printf(Locale.ROOT, "teacher embeddings of %,d sentences (cache %s)%n", tokens.size(), cache);
            err.flush();
            float[][] target = TeacherEmbeddings.get(teacher.model(), teacherFile.path(), tokens, cache, 64, n -> { });

            // held-out sentences: a seeded choice, the rest train
            int[] order = permutation(tokens.size(), o.seed);
            List<int[]> trainTokens = new ArrayList<>(), heldTokens = new ArrayList<>();
            List<float[]> trainTarget = new ArrayList<>(), heldTarget = new ArrayList<>();
            for (int i = 0; i < order.length; i++) {
                boolean h = i < held;
                (h ? heldTokens : trainTokens).add(tokens.get(order[i]));
                (h ? heldTarget : trainTarget).add(target[order[i]]);
            }
            out.printf(Locale.ROOT, "data: %,d sentences from %d file(s), %,d for training, %,d held out%n",
                    sentences.size(), files.size(), trainTokens.size(), heldTokens.size());

            List<int[]> sts = new ArrayList<>();
            double[] gold = new double[0];
            Map<String, Double> references = new LinkedHashMap<>();
            if (o.sts != null) {
                List<StsFile.Pair> pairs = StsFile.read(o.sts);
                gold = new double[pairs.size()];
                for (int i = 0; i < pairs.size(); i++) {
                    sts.add(teacher.tokens(pairs.get(i).first()));
                    sts.add(teacher.tokens(pairs.get(i).second()));
                    gold[i] = pairs.get(i).gold();
                }
                double t = StsEvaluation.run(teacher, null, pairs, 64).spearman();
                references.put("teacher sts_spearman", t);
                out.printf(Locale.ROOT, "teacher Spearman on %s: %.4f (%d pairs)%n", o.sts.getFileName(), t, pairs.size());
            }
            out.flush();

            DjlBert model = DjlBert.load(teacherFile, layers, sc, o.scratch() ? new ScratchInit(o.seed) : null, manager);
            // sliced: the projection starts as the channel selection; from scratch: random (Xavier)
            EmbeddingMse mse = model.channels() != null && !o.scratch()
                    ? EmbeddingMse.selection(model.channels(), tc.hidden(), manager)
                    : EmbeddingMse.forWidths(sc.hidden(), tc.hidden(), o.seed, manager);
            EncoderStudent student = new EncoderStudent(model, mse, teacherFile.path());
            float[][] trainT = trainTarget.toArray(new float[0][]);
            int width = tc.hidden(), batch = o.batch;
            long seed = o.seed;
            Batches<EncoderStudent.Batch> batches = (step, m) -> {
                int[] idx = Batches.shuffled(seed, step, trainTokens.size(), batch);
                List<int[]> ids = new ArrayList<>(batch);
                float[] t = new float[batch * width];
                for (int i = 0; i < batch; i++) {
                    ids.add(trainTokens.get(idx[i]));
                    System.arraycopy(trainT[idx[i]], 0, t, i * width, width);
                }
                return new EncoderStudent.Batch(TokenBatch.of(ids, m), m.create(t, new Shape(batch, width)));
            };
            EncoderEvaluation eval = new EncoderEvaluation(student, manager, heldTokens, heldTarget.toArray(new float[0][]), sts, gold);
            String fingerprint = String.format(Locale.ROOT, "encoder; teacher %s (%d bytes); blocks %s%s; data %s (%d sentences, "
                            + "%d held out, seed %d); context %d; batch %d; loss mse", teacherFile.path().getFileName(),
                    java.nio.file.Files.size(teacherFile.path()), LayerSelection.join(layers),
                    !narrowed ? "" : "; width " + sc.hidden() + ", ffn " + sc.intermediate() + ", init " + o.init, files, sentences.size(), held,
                    o.seed, context, o.batch);
            return new Job<>(student, batches, eval, fingerprint, references, List.of("loss"), null);
        }
    }

    /** The config.json fields of an encoder of this shape, for the size estimate. */
    static ObjectNode configNode(BertConfig c) throws IOException {
        return (ObjectNode) new ObjectMapper().readTree(BertTensors.configJson(c));
    }

    private static int[] permutation(int n, long seed) {
        return dev.weightclass.distill.train.Batches.shuffled(new SplittableRandom(seed ^ 0x5DEECE66DL), n);
    }
}
