package dev.weightclass.cli;

import dev.weightclass.WeightclassException;
import dev.weightclass.eval.Perplexity;
import dev.weightclass.runtime.Kernels;
import dev.weightclass.runtime.LlamaModel;
import dev.weightclass.runtime.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "eval",
        description = {"What did compression cost? Perplexity of a decoder model on a text, scored like",
                "llama.cpp's llama-perplexity so the figures compare: the text is tokenized as one stream,",
                "cut into chunks of --ctx tokens, each chunk starts with BOS, and only the second half of",
                "each chunk is scored. With --reference (the original model) both models run on the same",
                "chunks: mean KL divergence KL(reference || model), how often their top token agrees, and",
                "the difference in perplexity.",
                "For a sentence encoder (BERT, MiniLM) give --sts FILE instead: sentence pairs with gold",
                "scores (the STS benchmark's tab-separated layout); it reports Spearman's correlation of",
                "the embeddings' cosine with the gold scores and, with --reference, the mean and minimum",
                "cosine between the two models' embeddings of every sentence.",
                "",
                "Example: weightclass eval model-q4_0.gguf --text wiki.txt --ctx 512 --reference model-f16.gguf",
                "         weightclass eval minilm-int8.onnx --sts sts-dev.tsv --reference minilm.onnx"})
final class EvalCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "MODEL", description = "The model to evaluate.")
    Path model;

    @Option(names = "--text", paramLabel = "FILE", description = "UTF-8 text to score (decoder models).")
    Path text;

    @Option(names = "--sts", paramLabel = "FILE",
            description = "Sentence pairs with gold similarity scores, tab-separated (encoder models): columns named "
                    + "score, sentence1, sentence2 in a header, or the STS benchmark's 7-column layout.")
    Path sts;

    @Option(names = "--batch", defaultValue = "32", description = "Sentences per batch with --sts (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = {"-c", "--ctx"}, defaultValue = "512", description = "Tokens per chunk (default ${DEFAULT-VALUE}).")
    int ctx;

    @Option(names = "--reference", paramLabel = "MODEL", description = "The model to compare against (same vocabulary).")
    Path reference;

    @Option(names = "--chunks", description = "Score at most this many chunks (default: all).")
    Integer maxChunks;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Option(names = "--match", paramLabel = "llama.cpp",
            description = "Compute every float operation in the order of llama.cpp's CPU backend (AVX2/FMA build: "
                    + "tinyBLAS and vec_dot products, tiled flash attention, ggml's RMSNorm/RoPE/SwiGLU), so perplexity "
                    + "and KL reproduce llama-perplexity's figures digit for digit where the types allow. Several times "
                    + "slower than the default kernels.")
    String match;

    @Mixin
    LoraOption lora;

    @Mixin
    ModelOptions options;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if ((text == null) == (sts == null)) throw new WeightclassException("give either --text FILE (decoders) or --sts FILE (encoders)");
        boolean encoder = EncoderRuns.isEncoder(model);
        if (sts != null) {
            if (!encoder) throw new WeightclassException(model + " is not a sentence encoder: --sts scores encoders; use --text for decoders");
            if (batch < 1) throw new WeightclassException("--batch must be at least 1");
            return EncoderRuns.eval(model, sts, reference, options.threads, batch, json, out, spec.commandLine().getErr());
        }
        if (encoder) throw new WeightclassException(model + " is a sentence encoder: it has no perplexity; use --sts FILE");
        String content = readUtf8(text);
        if (match != null && !match.equals("llama.cpp")) {
            throw new WeightclassException("--match knows one reference, llama.cpp; got " + match);
        }
        try (Kernels k = match != null ? options.llamaCppKernels() : options.kernels(); LlamaModel m = ModelOptions.open(model, k, lora.adapters);
             LlamaModel ref = reference == null ? null : ModelOptions.open(reference, k)) {
            Tokenizer tok = options.tokenizer(model, m.config().vocabSize());
            int[] tokens = tok.encode(content, true);
            if (maxChunks != null) {
                if (maxChunks < 1) throw new WeightclassException("--chunks must be at least 1");
                tokens = java.util.Arrays.copyOf(tokens, (int) Math.min(tokens.length, (long) maxChunks * ctx));
            }
            int bos = tok.bos() >= 0 ? tok.bos() : 1;
            var err = spec.commandLine().getErr();
            int chunks = tokens.length / Math.max(1, ctx);
            boolean progress = !json && System.console() != null;
            Perplexity.Result r = Perplexity.evaluate(m, ref, tokens, ctx, bos, !progress ? null : c -> {
                err.printf("\rchunk %d/%d", c + 1, chunks);
                err.flush();
            });
            if (progress) {
                err.print("\r");
                err.flush();
            }
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("model", model.toString());
                o.put("ctx", ctx);
                o.put("chunks", r.chunks());
                o.put("tokens_scored", r.tokensScored());
                o.put("perplexity", r.perplexity());
                o.put("mean_nll", r.meanNll());
                if (r.hasReference()) {
                    o.put("reference", reference.toString());
                    o.put("reference_perplexity", r.referencePerplexity());
                    o.put("delta_perplexity", r.deltaPerplexity());
                    o.put("mean_kl", r.meanKl());
                    o.put("top1_agreement", r.top1Agreement());
                }
                out.print(Json.pretty(o));
            } else {
                out.printf(Locale.ROOT, "perplexity      %.4f  (%d chunks of %d tokens, %d tokens scored)%n",
                        r.perplexity(), r.chunks(), ctx, r.tokensScored());
                if (r.hasReference()) {
                    out.printf(Locale.ROOT, "reference PPL   %.4f  (delta %+.4f, %+.2f%%)%n", r.referencePerplexity(),
                            r.deltaPerplexity(), 100 * r.deltaPerplexity() / r.referencePerplexity());
                    out.printf(Locale.ROOT, "mean KL         %.6f nats/token%n", r.meanKl());
                    out.printf(Locale.ROOT, "top-1 agreement %.3f%%%n", 100 * r.top1Agreement());
                }
            }
            out.flush();
        }
        return 0;
    }

    static String readUtf8(Path file) throws java.io.IOException {
        byte[] bytes = Files.readAllBytes(file);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new WeightclassException(file + ": not UTF-8 text (" + e.getMessage() + ")");
        }
    }
}
