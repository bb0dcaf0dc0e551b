package dev.weightclass.distill.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weightclass.WeightclassException;
import dev.weightclass.distill.DistillOptions;
import dev.weightclass.distill.Job;
import dev.weightclass.distill.LayerSelection;
import dev.weightclass.distill.Recipe;
import dev.weightclass.distill.ScratchInit;
import dev.weightclass.distill.StudentSize;
import dev.weightclass.distill.train.Batches;
import dev.weightclass.distill.train.Evaluator;
import dev.weightclass.format.ModelFile;
import dev.weightclass.runtime.Kernels;
import dev.weightclass.runtime.LlamaConfig;
import dev.weightclass.runtime.LlamaModel;
import dev.weightclass.runtime.LlamaWeights;
import dev.weightclass.runtime.tokenizer.Tokenizer;
import dev.weightclass.runtime.tokenizer.Tokenizers;
import dev.weightclass.tensor.TensorInfo;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Distills llama-family decoders (GGUF, safetensors + config.json, llama2.c): fewer blocks,
 * optionally a narrower FFN and width and a smaller vocabulary ({@link VocabSubset}); the student is written
 * in the teacher's format family ({@link TeacherFormat}).
 */
public final class DecoderRecipe implements Recipe {

    @Override
    public String kind() { return "decoder"; }

    @Override
    public boolean accepts(ModelFile teacher) {
        String arch = teacher.hyperparameters().architecture();
        return arch != null && LlamaConfig.SUPPORTED.contains(arch.toLowerCase(Locale.ROOT));
    }

    @Override
    public Job<?> prepare(ModelFile teacherFile, DistillOptions o, NDManager manager, PrintWriter out, PrintWriter err)
            throws IOException {
        LlamaConfig c = LlamaConfig.of(teacherFile);
        TeacherFormat format = TeacherFormat.of(teacherFile, o.tokenizer, c.vocabSize());
        LlamaWeights w = LlamaWeights.load(teacherFile, c);
        TorchLlama.checkSupported(c, w, teacherFile.path().toString());
        int[] layers = LayerSelection.choose(c.layers(), o.layers, o.initLayers);
        int ffn = o.ffn == null ? c.ffnDim() : o.ffn;
        LlamaConfig sc = LlamaSlice.studentConfig(c, layers.length, o.dim == null ? c.dim() : o.dim, ffn);
        int vocabTarget = vocabTarget(o.vocab, c.vocabSize());
        int context = o.context != null ? o.context : Math.min(128, c.contextLength() > 0 ? c.contextLength() : 128);
        if (context < 2) throw new WeightclassException("--context must be at least 2 tokens");

        long teacherParams = teacherFile.tensors().stream().mapToLong(TensorInfo::parameters).sum();
        out.printf(Locale.ROOT, "teacher %s: %d blocks, FFN %d, width %d, %d heads, %,d tokens, %,d parameters%n",
                teacherFile.path().getFileName(), c.layers(), c.ffnDim(), c.dim(), c.heads(), c.vocabSize(), teacherParams);
        boolean narrowed = ffn < c.ffnDim() || sc.dim() < c.dim();
        out.printf(Locale.ROOT, "student: %d blocks from teacher blocks %s, FFN %d, width %d, %d heads%s%n", layers.length,
                LayerSelection.join(layers), ffn, sc.dim(), sc.heads(), !narrowed ? ""
                        : o.scratch() ? " (narrowed tensors start random: --init scratch)"
                        : " (narrowed tensors keep the teacher's strongest channels, heads and units)");
        if (vocabTarget < 0) { // with --vocab the size is known once the vocabulary is
            var size = StudentSize.of(config(sc, w.tied()), "student");
            out.print(StudentSize.describe(size, teacherParams));
            StudentSize.requireSmaller(size, teacherParams);
        }
        out.flush();

        String source = teacherFile.path().toString();
        Tokenizer tok = Tokenizers.fromGgufKeys(format.tokenizerKeys(), source);
        if (tok.vocabSize() != c.vocabSize()) {
            throw new WeightclassException(teacherFile.path() + ": mismatched tokenizers: the vocabulary has "
                    + tok.vocabSize() + " tokens, the embedding " + c.vocabSize() + " rows");
        }
        if (o.dataFiles().size() > 1) throw new WeightclassException("--data: a decoder trains on one text file, got " + o.dataFiles().size());
        List<String> texts = TextData.texts(o.data);
        List<List<int[]>> split = TextData.split(TextData.documents(texts, tok), o.holdout, o.seed);
        List<int[]> trainDocs = new ArrayList<>(split.get(0));
        List<int[]> heldDocs = split.get(1);
        List<int[]> generated = List.of();
        if (o.generate > 0) {
            long t0 = System.nanoTime();
            int threads = o.threads != null ? o.threads : Kernels.defaultThreads();
            try (Kernels k = Kernels.vector(threads); LlamaModel runtime = LlamaModel.of(teacherFile, k)) {
                generated = TextData.generate(runtime, o.generate, context, tok.bos() >= 0 ? tok.bos() : 1,
                        tok.eos(), o.seed, i -> { });
                trainDocs.addAll(generated);
                double s = (System.nanoTime() - t0) / 1e9;
                err.printf(Locale.ROOT, "generated %d teacher texts (%,d tokens) in %.1f s with the Java runtime%n",
                        generated.size(), TextData.targets(generated) + generated.size(), s);
            }
        }
        VocabSubset vocab = null;
        Tokenizer studentTok = tok;
        if (vocabTarget >= 0) {
            List<String> checked = new ArrayList<>(texts), labels = new ArrayList<>();
            for (int i = 0; i < texts.size(); i++) labels.add("--data document " + (i + 1) + " of " + texts.size());
            for (int i = 0; i < generated.size(); i++) {
                checked.add(tok.decode(generated.get(i)));
                labels.add("generated text " + (i + 1));
            }
            // the ids trained on (sampled texts may spell a piece with byte tokens) and the teacher's
            // own split of every text, which the student's tokenizer must reproduce
            java.util.BitSet used = new java.util.BitSet(c.vocabSize());
            for (List<int[]> docs : List.of(trainDocs, heldDocs)) for (int[] d : docs) for (int id : d) used.set(id);
            for (String text : checked) for (int id : tok.encode(text, false)) used.set(id);
            vocab = VocabSubset.choose(format.tokenizerKeys(), used, vocabTarget);
            studentTok = format.hf() ? TokenizerJson.reload(vocab.keys) : vocab.tokenizer(source);
            vocab.checkAgreement(tok, studentTok, checked, labels);
            out.printf(Locale.ROOT, "vocabulary: %,d of the teacher's %,d tokens (%,d used by the data, %,d more the "
                    + "tokenizer needs to reach them); the student's tokenizer splits all %,d texts as the teacher's%n",
                    vocab.size(), c.vocabSize(), vocab.used, vocab.size() - vocab.used, checked.size());
            trainDocs = vocab.remap(trainDocs);
            heldDocs = vocab.remap(heldDocs);
        }
        int studentVocab = vocab == null ? c.vocabSize() : vocab.size();
        if (vocab != null) {
            var size = StudentSize.of(config(TorchLlama.withVocabSize(sc, studentVocab), w.tied()), "student");
            out.print(StudentSize.describe(size, teacherParams));
            StudentSize.requireSmaller(size, teacherParams);
        }
        List<int[]> train = TextData.sequences(trainDocs, context);
        List<int[]> held = TextData.sequences(heldDocs, context);
        if (train.size() < o.batch) {
            throw new WeightclassException(o.data + ": data too short for one batch: " + train.size()
                    + " training sequence(s) of up to " + context + " tokens, --batch is " + o.batch
                    + " (add text, --generate more, or lower --batch)");
        }
        out.printf(Locale.ROOT, "data: %d training sequences (%,d target tokens), %d held out (%,d)%n", train.size(),
                TextData.targets(train), held.size(), TextData.targets(held));

        TorchLlama teacher = TorchLlama.fromTeacher(c, w, LayerSelection.choose(c.layers(), null, null), null, false, manager);
        if (vocab != null) teacher = teacher.withVocabulary(vocab.keep, false, manager);
        String tokId = "tokenizer " + studentTok.kind() + " of " + studentTok.vocabSize() + " tokens #"
                + Long.toHexString(vocabHash(studentTok));
        String fingerprint = "teacher " + teacherFile.path().getFileName() + " (" + teacherFile.fileBytes() + " bytes), "
                + "student blocks " + LayerSelection.join(layers) + " ffn " + ffn
                + (sc.dim() < c.dim() ? " dim " + sc.dim() : "") + (o.scratch() ? " init scratch" : "") + ", context " + context + ", batch "
                + o.batch + ", data #" + Long.toHexString(TextData.hash(train)) + "/#" + Long.toHexString(TextData.hash(held))
                + (vocab == null ? "" : ", vocabulary " + vocab.size() + " #" + Long.toHexString(vocabHash(studentTok)));
        TeacherCache cache = null;
        if (o.alpha > 0 && o.topK > 0) {
            int k = Math.min(o.topK, studentVocab);
            String cacheId = fingerprint + ", T " + o.temperature;
            if (o.teacherCache != null && Files.isRegularFile(o.teacherCache)) {
                cache = TeacherCache.load(o.teacherCache, tokId, cacheId, o.temperature, k, train);
                if (cache == null) err.println("teacher cache " + o.teacherCache + " is for other data or settings: recomputing");
            }
            if (cache == null) {
                long t0 = System.nanoTime();
                cache = TeacherCache.compute(teacher, train, k, o.temperature, o.batch, manager);
                err.printf(Locale.ROOT, "teacher top-%d logits for %,d positions in %.1f s (PyTorch forward)%n", k,
                        TextData.targets(train), (System.nanoTime() - t0) / 1e9);
                if (o.teacherCache != null) cache.save(o.teacherCache, tokId, cacheId, o.temperature);
            }
        }
        HeldOut heldOut = new HeldOut(held, teacher, o.batch, manager);
        Map<String, Double> refs = heldOut.isEmpty() ? Map.of() : Map.of("teacher heldout_nll", heldOut.teacherNll());
        if (!heldOut.isEmpty()) {
            out.printf(Locale.ROOT, "teacher held-out NLL %.4f nats/token%s%n", heldOut.teacherNll(),
                    vocab == null ? "" : " (its distribution renormalised over the student's vocabulary)");
        }

        TeacherCache fixedCache = cache;
        LlamaSlice slice = LlamaSlice.strongest(c, w, layers, sc, o.scratch() ? new ScratchInit(o.seed) : null);
        DecoderStudent.Exporter exporter = exporter(teacherFile, format, vocab, slice.layers(), c.layers());
        return job(c, w, slice, vocab, o.alpha, o, exporter, teacher, fixedCache, train, heldOut, fingerprint, refs,
                manager);
    }

    /** -1 for the teacher's vocabulary, 0 for --vocab auto, else the wanted size. */
    static int vocabTarget(String option, int teacherVocab) {
        if (option == null) return -1;
        if (option.equalsIgnoreCase("auto")) return 0;
        int n;
        try {
            n = Integer.parseInt(option.strip());
        } catch (NumberFormatException e) {
            throw new WeightclassException("--vocab must be a number of tokens or auto, got '" + option + "'");
        }
        if (n < 1) throw new WeightclassException("--vocab must be at least 1, got " + n);
        if (n >= teacherVocab) {
            throw new WeightclassException("--vocab " + n + " is not smaller than the teacher's " + teacherVocab
                    + " tokens (leave --vocab out to keep them all)");
        }
        return n;
    }

    /** The student's writer: the teacher's format family. */
    private static DecoderStudent.Exporter exporter(ModelFile teacherFile, TeacherFormat format, VocabSubset vocab,
                                                    int[] layers, int teacherLayers) {
        if (format.hf()) {
            Map<String, dev.weightclass.format.gguf.GgufValue> tok = vocab != null ? vocab.keys
                    : format.hfTokenizer() ? null : format.tokenizerKeys();
            Path weights = teacherFile.files().getFirst();
            return (out, model) -> HfExport.write(out, weights, model, tok);
        }
        return (out, model) -> GgufExport.write(out, format.kv(), vocab == null ? null : vocab.keys, teacherLayers,
                model, layers);
    }

    private Job<?> job(LlamaConfig c, LlamaWeights w, LlamaSlice slice, VocabSubset vocab, double alpha, DistillOptions o,
                       DecoderStudent.Exporter exporter, TorchLlama teacher, TeacherCache cache, List<int[]> train, HeldOut heldOut,
                       String fingerprint, Map<String, Double> refs, NDManager manager) {
        TorchLlama full = TorchLlama.fromTeacher(c, w, slice, true, manager);
        TorchLlama model = vocab == null ? full : full.withVocabulary(vocab.keep, true, manager);
        DecoderStudent student = new DecoderStudent(model, cache == null ? teacher : null, alpha, o.temperature, exporter);
        long seed = o.seed;
        int batch = o.batch;
        TeacherCache batchCache = alpha > 0 ? cache : null;
        Batches<DecoderBatch> batches = (step, m) -> DecoderBatch.of(train,
                Batches.shuffled(seed, step, train.size(), batch), batchCache, m);
        Evaluator eval = heldOut.isEmpty() ? null : () -> heldOut.measure(model);
        String fp = fingerprint + ", alpha " + alpha + (alpha > 0 ? ", T " + o.temperature + ", top-k " + o.topK : "");
        return new Job<>(student, batches, eval, fp, refs, List.of("ce"),
                alpha == 0 ? null : () -> job(c, w, slice, vocab, 0, o, exporter, teacher, null, train, heldOut,
                        fingerprint, refs, manager));
    }

    /** A config.json-style description of the student, for the size classes. */
    static ObjectNode config(LlamaConfig c, boolean tied) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("model_type", "llama");
        n.put("hidden_size", c.dim());
        n.put("num_hidden_layers", c.layers());
        n.put("num_attention_heads", c.heads());
        n.put("num_key_value_heads", c.kvHeads());
        n.put("head_dim", c.headDim());
        n.put("intermediate_size", c.ffnDim());
        n.put("vocab_size", c.vocabSize());
        n.put("max_position_embeddings", c.contextLength());
        n.put("tie_word_embeddings", tied);
        return n;
    }

    static long vocabHash(Tokenizer tok) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < tok.vocabSize(); i++) {
            for (char ch : tok.piece(i).toCharArray()) h = (h ^ ch) * 0x100000001b3L;
            h = (h ^ 0xFFFF) * 0x100000001b3L;
        }
        return h;
    }

    /** Held-out sequences with the teacher's log-probabilities on them, computed once. */
    static final class HeldOut {
        final List<int[]> seqs;
        final int batch;
        final NDManager manager;
        final List<NDArray> teacherLogp = new ArrayList<>(); // per batch [n * P, V], in the root manager
        double teacherNll;

        HeldOut(List<int[]> seqs, TorchLlama teacher, int batch, NDManager manager) {
            this.seqs = seqs;
            this.batch = batch;
            this.manager = manager;
            double nll = 0;
            long count = 0;
            for (int from = 0; from < seqs.size(); from += batch) {
                try (NDManager m = manager.newSubManager()) {
                    DecoderBatch b = batch(from, m);
                    NDArray logp = logProbs(teacher, b, m);
                    nll += nllSum(logp, b);
                    count += b.tokens();
                    logp.attach(manager);
                    teacherLogp.add(logp);
                }
            }
            teacherNll = count == 0 ? Double.NaN : nll / count;
        }

        boolean isEmpty() { return seqs.isEmpty(); }

        double teacherNll() { return teacherNll; }

        /** The held-out sequences [from, from + batch). */
        private DecoderBatch batch(int from, NDManager m) {
            return DecoderBatch.of(seqs, TeacherCache.range(from, Math.min(batch, seqs.size() - from)), m);
        }

        /** {@code model}'s log-probabilities on a batch, [n * P, V]; its parameters lent to {@code m} meanwhile. */
        private static NDArray logProbs(TorchLlama model, DecoderBatch b, NDManager m) {
            for (NDArray a : model.arrays()) a.tempAttach(m);
            NDArray logits = model.forward(b.inputs(), m);
            return logits.reshape(-1, logits.getShape().get(2)).logSoftmax(-1);
        }

        static double nllSum(NDArray logp, DecoderBatch b) {
            long n = logp.getShape().get(0);
            return logp.gather(b.targets().reshape(n, 1), 1).reshape(n).mul(b.mask()).sum().neg().getFloat();
        }

        /** Student NLL and KL(teacher || student) at T = 1, per target token. */
        Map<String, Double> measure(TorchLlama student) {
            double nll = 0, kl = 0;
            long count = 0;
            for (int from = 0, i = 0; from < seqs.size(); from += batch, i++) {
                try (NDManager m = manager.newSubManager()) {
                    DecoderBatch b = batch(from, m);
                    NDArray logq = logProbs(student, b, m);
                    nll += nllSum(logq, b);
                    NDArray logp = teacherLogp.get(i);
                    logp.tempAttach(m);
                    kl += logp.exp().mul(logp.sub(logq)).sum(new int[] {-1}).mul(b.mask()).sum().getFloat();
                    count += b.tokens();
                }
            }
            return Map.of("heldout_nll", nll / count, "heldout_kl", kl / count);
        }
    }
}
