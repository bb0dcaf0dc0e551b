package dev.weightclass.cli;

import dev.weightclass.WeightclassException;
import dev.weightclass.format.ModelFile;
import dev.weightclass.runtime.Kernels;
import dev.weightclass.runtime.LlamaModel;
import dev.weightclass.runtime.tokenizer.Tokenizer;
import dev.weightclass.runtime.tokenizer.Tokenizers;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Options shared by the commands that run a model: threads and where the tokenizer comes from. */
final class ModelOptions {

    @Option(names = {"-t", "--threads"}, description = "Threads for the matrix products (default: all cores).")
    Integer threads;

    @Option(names = "--tokenizer", paramLabel = "FILE",
            description = "Take the tokenizer from FILE (a GGUF, tokenizer.json or llama2.c tokenizer.bin) instead "
                    + "of the model's own (a safetensors folder without tokenizer.json needs this).")
    Path tokenizer;

    Kernels kernels() {
        return Kernels.vector(threadCount());
    }

    /** Kernels in llama.cpp's operation order ({@link Kernels#llamaCpp}). */
    Kernels llamaCppKernels() {
        return Kernels.llamaCpp(threadCount());
    }

    private int threadCount() {
        int t = threads == null ? Kernels.defaultThreads() : threads;
        if (t < 1) throw new WeightclassException("--threads must be at least 1");
        return t;
    }

    static LlamaModel open(Path model, Kernels kernels) throws IOException {
        return LlamaModel.owning(ModelFile.open(model), kernels);
    }

    /** The model with LoRA adapters ({@code PATH[:SCALE]}) applied as it runs, unmerged. */
    static LlamaModel open(Path model, Kernels kernels, java.util.List<String> lora) throws IOException {
        if (lora == null || lora.isEmpty()) return open(model, kernels);
        return dev.weightclass.lora.LoraRuntime.open(model, kernels,
                lora.stream().map(dev.weightclass.lora.AdapterSpec::parse).toList());
    }

    /** The tokenizer of {@code model} (vocabulary of {@code vocabSize}), or the one --tokenizer names. */
    Tokenizer tokenizer(Path model, int vocabSize) throws IOException {
        if (tokenizer == null) return Tokenizers.forModel(model);
        String name = tokenizer.getFileName() == null ? "" : tokenizer.getFileName().toString();
        // a llama2.c tokenizer.bin has no magic of its own: recognise it by name
        if (name.endsWith(".bin") && Files.isRegularFile(tokenizer)) return Tokenizers.fromLlama2c(tokenizer, vocabSize);
        return Tokenizers.forModel(tokenizer);
    }
}
