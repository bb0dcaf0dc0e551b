package dev.weightclass.distill;

import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;

/**
 * Everything {@code weightclass distill} is told, as parsed by picocli; a {@link Recipe} reads the
 * fields it needs (options that do not apply to its kind of model are ignored or refused there).
 * Defaults suit a small model on a laptop CPU.
 */
public final class DistillOptions {

    @Parameters(index = "0", paramLabel = "TEACHER", description = "The model to imitate: a llama-family decoder (GGUF, safetensors folder + config.json, llama2.c checkpoint) or a sentence encoder.")
    public Path teacher;

    // ---- the student ----
    @Option(names = "--layers", paramLabel = "N", description = "Student blocks, initialised from every k-th teacher block (k = teacher/N: 4 -> 2 takes 0, 2).")
    public Integer layers;

    @Option(names = "--init-layers", paramLabel = "LIST", split = ",", description = "Student blocks initialised from exactly these teacher blocks, e.g. 0,3 (0-based).")
    public int[] initLayers;

    @Option(names = "--ffn", paramLabel = "WIDTH", description = "Narrower feed-forward width: keeps the WIDTH hidden units with the largest weight norms (slicing), default the teacher's.")
    public Integer ffn;

    @Option(names = "--dim", paramLabel = "WIDTH", description = "Narrower hidden (model) width: keeps the same WIDTH residual channels in every tensor (those with the largest weight norms over the whole model) and whole attention heads at the teacher's head width (WIDTH / head width of them, the strongest of each block); default the teacher's.")
    public Integer dim;

    @Option(names = "--init", paramLabel = "slice|scratch", defaultValue = "slice", description = "How tensors narrowed by --dim or --ffn start: slice = the teacher's strongest rows and columns (default); scratch = random, N(0, 0.02^2) matrices, norm weights 1, biases 0, seeded by --seed.")
    public String init = "slice";

    /** True for {@code --init scratch}. */
    public boolean scratch() {
        return "scratch".equals(init);
    }

    @Option(names = "--vocab", paramLabel = "N|auto",
            description = "Decoders: a smaller vocabulary, only where the tokenizers agree: keeps the tokens the data "
                    + "uses plus every token the tokenizer needs to reach them (merge steps, byte and special tokens), "
                    + "then more of the teacher's in its order up to N; auto = just those. Refused when the student's "
                    + "tokenizer would split any training or held-out text differently from the teacher's.")
    public String vocab;

    @Option(names = "--tokenizer", paramLabel = "FILE",
            description = "Decoders: the teacher's tokenizer when it has none beside it (a GGUF, llama2.c tokenizer.bin "
                    + "or tokenizer.json), e.g. for a safetensors folder without tokenizer.json.")
    public Path tokenizer;

    // ---- data ----
    /** The (first) --data file. */
    public Path data;

    private List<Path> dataFiles = List.of();

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "Training text: documents separated by blank lines (a decoder), or prose split into sentences / an STS .tsv (an encoder; repeat --data for several files).")
    void data(List<Path> files) {
        dataFiles = List.copyOf(files);
        data = files.isEmpty() ? null : files.getFirst();
    }

    /** Every --data file in order (encoders read them all). */
    public List<Path> dataFiles() {
        return dataFiles.isEmpty() && data != null ? List.of(data) : dataFiles;
    }

    @Option(names = "--sts", paramLabel = "FILE", description = "Encoders: sentence pairs with gold scores (STS .tsv) to measure the student's Spearman on at every evaluation; the teacher's is the reference.")
    public Path sts;

    @Option(names = "--holdout", paramLabel = "FRACTION", defaultValue = "0.2", description = "Share of --data documents kept out of training to measure the student on (default ${DEFAULT-VALUE}).")
    public double holdout;

    @Option(names = "--generate", paramLabel = "N", defaultValue = "0", description = "Decoders: add N texts the teacher samples itself (from BOS, temperature 1) to the training data.")
    public int generate;

    @Option(names = "--context", paramLabel = "TOKENS", description = "Tokens per training sequence (default: the teacher's context, at most 128).")
    public Integer context;

    // ---- output ----
    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT", description = "The student, in the teacher's format family: GGUF teacher -> GGUF file; safetensors teacher -> folder (or OUT.safetensors) with config.json and tokenizer; llama2.c teacher -> GGUF file (llama2.c keeps no tokenizer or name).")
    public Path output;

    @Option(names = "--checkpoint", paramLabel = "FILE", description = "Checkpoint file (default OUT.ckpt): parameters, optimizer moments, step and history.")
    public Path checkpoint;

    @Option(names = "--checkpoint-every", paramLabel = "STEPS", defaultValue = "100", description = "Steps between checkpoints (default ${DEFAULT-VALUE}; 0 = only at the end or on Ctrl-C).")
    public int checkpointEvery;

    @Option(names = "--resume", description = "Continue from the checkpoint; every other option must be as in the first run.")
    public boolean resume;

    @Option(names = "--chart", paramLabel = "FILE", description = "Loss-curve chart, PNG or .svg (default OUT-loss.png).")
    public Path chart;

    @Option(names = "--log", paramLabel = "FILE", description = "Per-step CSV: loss and its terms, lr, gradient norm, held-out metrics (default OUT-loss.csv).")
    public Path log;

    @Option(names = "--baseline", description = "Also train the same student from the same init on the data alone (decoders: --alpha 0), and chart both: what the teacher adds.")
    public boolean baseline;

    // ---- optimisation ----
    @Option(names = "--steps", paramLabel = "N", defaultValue = "1000", description = "Optimizer steps (default ${DEFAULT-VALUE}).")
    public int steps;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "16", description = "Sequences (or sentences) per step (default ${DEFAULT-VALUE}).")
    public int batch;

    @Option(names = "--lr", paramLabel = "LR",
            description = "Peak learning rate of AdamW (default 2e-3 for decoders, 1e-4 for encoders: a pretrained "
                    + "encoder loses what it knows at decoder rates).")
    public Double lr;

    @Option(names = "--warmup", paramLabel = "STEPS", description = "Linear warm-up steps before the cosine decay (default 5%% of --steps).")
    public Integer warmup;

    @Option(names = "--min-lr-ratio", paramLabel = "R", defaultValue = "0.1", description = "The cosine decay ends at lr * R (default ${DEFAULT-VALUE}).")
    public double minLrRatio;

    @Option(names = "--weight-decay", paramLabel = "WD", defaultValue = "0.01", description = "AdamW's decoupled weight decay on matrices (default ${DEFAULT-VALUE}).")
    public double weightDecay;

    @Option(names = "--clip", paramLabel = "NORM", defaultValue = "1.0", description = "Global gradient-norm clipping (default ${DEFAULT-VALUE}; 0 = off).")
    public double clip;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Seed of the data order, the held-out split, generated texts and --init scratch (default ${DEFAULT-VALUE}).")
    public long seed;

    // ---- the distillation loss ----
    @Option(names = "--temperature", paramLabel = "T", defaultValue = "2.0", description = "Softening temperature of both distributions in the KL term (default ${DEFAULT-VALUE}).")
    public double temperature;

    @Option(names = "--alpha", paramLabel = "A", defaultValue = "0.5", description = "loss = A * T^2 * KL(teacher_T || student_T) + (1 - A) * CE(next token); 0 = no teacher (default ${DEFAULT-VALUE}).")
    public double alpha;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "64", description = "Teacher logits are cached once as their top K per position (default ${DEFAULT-VALUE}; 0 = full logits computed on the fly each step).")
    public int topK;

    @Option(names = "--teacher-cache", paramLabel = "FILE", description = "Keep the top-K teacher logits in this file and reuse them in later runs on the same data.")
    public Path teacherCache;

    // ---- machine ----
    @Option(names = "--eval-every", paramLabel = "STEPS", defaultValue = "50", description = "Steps between held-out measurements (default ${DEFAULT-VALUE}).")
    public int evalEvery;

    @Option(names = "--log-every", paramLabel = "STEPS", defaultValue = "25", description = "Steps between progress lines when stderr is not a terminal (default ${DEFAULT-VALUE}).")
    public int logEvery;

    @Option(names = "--threads", paramLabel = "N", description = "PyTorch threads (default: half the cores, at most 4; more rarely helps a small model).")
    public Integer threads;

    @Option(names = {"-q", "--quiet"}, description = "No progress output.")
    public boolean quiet;

    /** The warm-up actually used. */
    public int warmupSteps() {
        return warmup != null ? warmup : Math.max(1, steps / 20);
    }

    public Path checkpointFile() {
        return checkpoint != null ? checkpoint : sibling(output, ".ckpt");
    }

    public Path chartFile() {
        return chart != null ? chart : sibling(output, "-loss.png");
    }

    public Path logFile() {
        return log != null ? log : sibling(output, "-loss.csv");
    }

    /** {@code file} with its extension replaced by {@code suffix} ({@code student.gguf} -> {@code student-loss.png}). */
    public static Path sibling(Path file, String suffix) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        return file.resolveSibling(stem + suffix);
    }
}
