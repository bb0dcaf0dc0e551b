package dev.weightclass.cli;

import picocli.CommandLine.Command;

@Command(name = "lora",
        description = {"Low-rank adapters (LoRA): what one holds, merging it into a base, extracting one from a",
                "fine-tuned model, and running a base with adapters applied on the fly.",
                "",
                "A LoRA adapter stores a weight update as two thin matrices, delta W = scale * B * A with",
                "A [r, in] and B [out, r], so a fine-tune of a big model ships as a few megabytes.",
                "Reads PEFT folders (adapter_model.safetensors + adapter_config.json) and llama.cpp GGUF",
                "adapters; writes both.",
                "",
                "Examples:",
                "  weightclass lora info my-adapter/ --base model.gguf --count 10",
                "  weightclass lora merge model.gguf my-adapter/ -o merged.gguf",
                "  weightclass lora extract base.gguf finetuned.gguf --rank 16 -o adapter.gguf",
                "  weightclass lora apply model.gguf my-adapter/:0.5 --text eval.txt"},
        subcommands = {LoraInfoCommand.class, LoraMergeCommand.class, LoraExtractCommand.class, LoraApplyCommand.class})
final class LoraCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
