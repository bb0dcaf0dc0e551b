package dev.weightclass.cli;

import dev.weightclass.WeightclassException;
import dev.weightclass.eval.Perplexity;
import dev.weightclass.lora.AdapterSpec;
import dev.weightclass.lora.LoraRuntime;
import dev.weightclass.runtime.Generation;
import dev.weightclass.runtime.Kernels;
import dev.weightclass.runtime.LlamaModel;
import dev.weightclass.runtime.Sampler;
import dev.weightclass.runtime.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "apply", mixinStandardHelpOptions = true,
        description = {"Run a base model with one or more adapters applied as it runs, without merging: each",
                "adapted linear layer computes y = x W^T + scale * (x A^T) B^T, the base weights untouched in",
                "their file. One base serves any number of adapters this way.",
                "",
                "With --text: perplexity of the adapted model on the text, against the plain base (mean KL",
                "divergence, top-1 agreement, delta perplexity): how much the adapters change the model.",
                "With -p: generate text. (run and eval also take --lora.)",
                "",
                "ADAPTER:SCALE scales one adapter (1 = as trained).",
                "",
                "Examples:",
                "  weightclass lora apply model.gguf style/ --text eval.txt --ctx 512",
                "  weightclass lora apply model.gguf style/:0.5 domain.gguf -p \"Once upon a time\" -n 64"})
final class LoraApplyCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "BASE", description = "The base model.")
    Path base;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "ADAPTER[:SCALE]", description = "Adapters to apply.")
    List<String> adapters;

    @Option(names = "--text", paramLabel = "FILE", description = "Score this UTF-8 text (perplexity, KL against the base).")
    Path text;

    @Option(names = {"-c", "--ctx"}, defaultValue = "512", description = "Tokens per chunk with --text (default ${DEFAULT-VALUE}).")
    int ctx;

    @Option(names = "--chunks", description = "Score at most this many chunks (default: all).")
    Integer maxChunks;

    @Option(names = {"-p", "--prompt"}, description = "Generate from this prompt.")
    String prompt;

    @Option(names = {"-n", "--n-predict"}, defaultValue = "64", description = "Tokens to generate (default ${DEFAULT-VALUE}).")
    int n;

    @Option(names = "--temp", defaultValue = "0", description = "Sampling temperature, 0 = greedy (default ${DEFAULT-VALUE}).")
    float temp;

    @Option(names = "--seed", defaultValue = "0", description = "Sampling seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Mixin
    ModelOptions options;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if ((text == null) == (prompt == null)) throw new WeightclassException("give either --text FILE or -p PROMPT");
        if (n < 0) throw new WeightclassException("-n must be >= 0");
        List<AdapterSpec> specs = new ArrayList<>();
        for (String s : adapters) specs.add(AdapterSpec.parse(s));
        PrintWriter out = spec.commandLine().getOut();
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("base", base.toString());
        o.put("adapters", specs.stream().map(s -> Map.of("path", s.path().toString(), "scale", s.scale())).toList());
        try (Kernels k = options.kernels(); LlamaModel m = LoraRuntime.open(base, k, specs)) {
            Tokenizer tok = options.tokenizer(base, m.config().vocabSize());
            int bos = tok.bos() >= 0 ? tok.bos() : 1;
            if (text != null) {
                int[] tokens = tok.encode(EvalCommand.readUtf8(text), true);
                if (maxChunks != null) {
                    if (maxChunks < 1) throw new WeightclassException("--chunks must be at least 1");
                    tokens = java.util.Arrays.copyOf(tokens, (int) Math.min(tokens.length, (long) maxChunks * ctx));
                }
                Perplexity.Result r;
                try (LlamaModel ref = ModelOptions.open(base, k)) {
                    r = Perplexity.evaluate(m, ref, tokens, ctx, bos, null);
                }
                o.put("chunks", r.chunks());
                o.put("tokens_scored", r.tokensScored());
                o.put("perplexity", r.perplexity());
                o.put("base_perplexity", r.referencePerplexity());
                o.put("delta_perplexity", r.deltaPerplexity());
                o.put("mean_kl_from_base", r.meanKl());
                o.put("top1_agreement_with_base", r.top1Agreement());
                if (!json) {
                    out.printf(Locale.ROOT, "with adapters   perplexity %.4f  (%d chunks of %d tokens)%n", r.perplexity(),
                            r.chunks(), ctx);
                    out.printf(Locale.ROOT, "base alone      perplexity %.4f  (delta %+.4f)%n", r.referencePerplexity(),
                            r.deltaPerplexity());
                    out.printf(Locale.ROOT, "mean KL(base || adapted) %.6f nats/token, top-1 agreement %.3f%%%n", r.meanKl(),
                            100 * r.top1Agreement());
                }
            } else {
                int[] ids = prompt.isEmpty() ? new int[] {bos} : tok.encode(prompt, true);
                int limit = m.config().contextLength() > 0 ? Math.max(0, Math.min(n, m.config().contextLength() - ids.length)) : n;
                Generation.Result r = Generation.generate(m, ids, limit, new Sampler(temp, 0.95f, seed), tok.eos(), id -> true);
                o.put("token_ids", r.ids());
                o.put("text", tok.decode(r.ids()));
                o.put("tokens_per_second", r.tokensPerSecond());
                if (!json) out.println(tok.decode(r.ids()));
            }
        }
        if (json) out.print(Json.pretty(o));
        out.flush();
        return 0;
    }
}
