package dev.weightclass.cli;

import picocli.CommandLine.Option;

import java.util.List;

/** The {@code --lora} option of the commands that run a decoder (run, eval). */
final class LoraOption {

    @Option(names = "--lora", paramLabel = "ADAPTER[:SCALE]",
            description = "Apply a LoRA adapter (PEFT folder or GGUF) as the model runs, without merging; repeatable; "
                    + ":SCALE multiplies its alpha/r.")
    List<String> adapters;

    boolean given() { return adapters != null && !adapters.isEmpty(); }
}
