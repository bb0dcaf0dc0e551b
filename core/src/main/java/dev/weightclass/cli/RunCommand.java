package dev.weightclass.cli;

import dev.weightclass.WeightclassException;
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
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "run",
        description = {"Generate text with a decoder model (llama, mistral, qwen2, gemma) on the CPU, straight",
                "from its file: GGUF in any type the quantizer writes, safetensors + config.json, llama2.c.",
                "The text streams as it is generated. An empty prompt starts from BOS alone.",
                "A sentence encoder (BERT, MiniLM: ONNX fp32/int8 or safetensors) prints the text's",
                "embedding instead: width, first values and norm (--json: the whole vector).",
                "",
                "Example: weightclass run model.gguf -p \"Once upon a time\" -n 64 --temp 0",
                "         weightclass run all-minilm-l6-v2.onnx -p \"A cat sits on the mat.\""})
final class RunCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "MODEL", description = "The model file (or safetensors folder).")
    Path model;

    @Option(names = {"-p", "--prompt"}, defaultValue = "", description = "Prompt text (default: none, start from BOS).")
    String prompt;

    @Option(names = "--tokens", split = ",", paramLabel = "ID",
            description = "Prompt as token ids instead of text, e.g. --tokens 1,319,459 (used as given: include BOS).")
    int[] tokens;

    @Option(names = {"-n", "--n-predict"}, defaultValue = "128", description = "Tokens to generate (default ${DEFAULT-VALUE}).")
    int n;

    @Option(names = "--temp", defaultValue = "0.8", description = "Sampling temperature; 0 = greedy (default ${DEFAULT-VALUE}).")
    float temp;

    @Option(names = "--top-p", defaultValue = "0.95", description = "Nucleus sampling: keep the most likely tokens up to this total probability (default ${DEFAULT-VALUE}).")
    float topP;

    @Option(names = "--seed", defaultValue = "0", description = "Random seed for sampling (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--json", description = "Print one JSON object {token_ids, text, tokens_per_second} at the end instead of streaming.")
    boolean json;

    @Mixin
    LoraOption lora;

    @Mixin
    ModelOptions options;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (n < 0) throw new WeightclassException("-n must be >= 0");
        if (!(temp >= 0)) throw new WeightclassException("--temp must be >= 0");
        if (!(topP > 0 && topP <= 1)) throw new WeightclassException("--top-p must be in (0, 1]");
        PrintWriter out = spec.commandLine().getOut();
        if (EncoderRuns.isEncoder(model)) {
            if (lora.given()) throw new WeightclassException("--lora applies to decoder models, not to an encoder");
            return EncoderRuns.run(model, prompt, options.threads, json, out, spec.commandLine().getErr());
        }
        try (Kernels k = options.kernels(); LlamaModel m = ModelOptions.open(model, k, lora.adapters)) {
            Tokenizer tok = options.tokenizer(model, m.config().vocabSize());
            int bos = tok.bos() >= 0 ? tok.bos() : 1;
            int[] ids;
            if (tokens != null && tokens.length > 0) ids = tokens;
            else if (prompt.isEmpty()) ids = new int[] {bos};
            else ids = tok.encode(prompt, true);
            if (ids.length == 0) ids = new int[] {bos};
            int ctx = m.config().contextLength();
            if (ctx > 0 && ids.length > ctx) {
                throw new WeightclassException("the prompt is " + ids.length + " tokens, longer than the model's context of "
                        + ctx + " tokens");
            }
            int maxNew = ctx > 0 ? Math.min(n, ctx - ids.length) : n;
            Stream stream = new Stream(tok, ids, json ? null : out);
            Generation.Result r = Generation.generate(m, ids, maxNew, new Sampler(temp, topP, seed), tok.eos(),
                    id -> stream.add(id));
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("token_ids", r.ids());
                o.put("text", tok.decode(r.ids()));
                o.put("prompt_tokens", r.promptTokens());
                o.put("generated_tokens", r.generatedTokens());
                o.put("tokens_per_second", r.tokensPerSecond());
                o.put("prompt_tokens_per_second", r.promptTokensPerSecond());
                out.print(Json.pretty(o));
            } else {
                out.println();
                var err = spec.commandLine().getErr();
                err.printf(Locale.ROOT, "%d prompt tokens (%.1f t/s), %d generated (%.1f t/s), %d threads%n",
                        r.promptTokens(), r.promptTokensPerSecond(), r.generatedTokens(), r.tokensPerSecond(), k.threads());
                err.flush();
            }
            out.flush();
        }
        return 0;
    }

    /** Prints the text as tokens arrive, holding back bytes of a character that is not complete yet. */
    private static final class Stream {
        final Tokenizer tok;
        final PrintWriter out;
        int[] ids;
        int count;
        int printed;

        Stream(Tokenizer tok, int[] prompt, PrintWriter out) {
            this.tok = tok;
            this.out = out;
            this.ids = Arrays.copyOf(prompt, prompt.length + 64);
            this.count = prompt.length;
            flush();
        }

        boolean add(int id) {
            if (out == null) return true;
            if (count == ids.length) ids = Arrays.copyOf(ids, ids.length * 2);
            ids[count++] = id;
            flush();
            return true;
        }

        private void flush() {
            if (out == null) return;
            String text = tok.decode(Arrays.copyOf(ids, count));
            int end = text.length();
            while (end > printed && text.charAt(end - 1) == '\uFFFD') end--;
            if (end > printed) {
                out.print(text.substring(printed, end));
                out.flush();
                printed = end;
            }
        }
    }
}
