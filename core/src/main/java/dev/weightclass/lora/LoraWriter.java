package dev.weightclass.lora;

import dev.weightclass.WeightclassException;
import dev.weightclass.format.AtomicOutput;
import dev.weightclass.format.Hyperparameters;
import dev.weightclass.format.ModelFile;
import dev.weightclass.format.ModelFormat;
import dev.weightclass.format.gguf.GgufTensorSpec;
import dev.weightclass.format.gguf.GgufValue;
import dev.weightclass.format.gguf.GgufWriter;
import dev.weightclass.format.safetensors.SafetensorsWriter;
import dev.weightclass.tensor.TensorType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Writes extracted factors as an adapter other tools load: a PEFT folder
 * ({@code adapter_model.safetensors} with {@code base_model.model.MODULE.lora_A.weight} /
 * {@code lora_B.weight}, plus {@code adapter_config.json}) or a llama.cpp GGUF LoRA
 * ({@code NAME.lora_a} [r, in] and {@code NAME.lora_b} [out, r], {@code adapter.lora.alpha}).
 * Names are translated to the target's scheme and llama q/k rows permuted where the schemes'
 * layouts differ. alpha is written equal to the rank, so the scale is 1.
 */
public final class LoraWriter {
    private LoraWriter() {}

    public enum Format { PEFT, GGUF }

    /** Writes {@code factors} (extracted against {@code base}) to {@code target}: a folder for PEFT, a file for GGUF. */
    public static void write(List<LoraExtract.Factors> factors, ModelFile base, Format format, Path target) throws IOException {
        if (factors.isEmpty()) throw new WeightclassException("nothing to write: every target tensor was unchanged");
        int rank = factors.getFirst().rank();
        String arch = LoraBinding.architecture(base);
        Hyperparameters h = base.hyperparameters().normalized();
        boolean ggufBase = base.format() == ModelFormat.GGUF;
        if (format == Format.GGUF) writeGguf(factors, ggufBase, arch, h, rank, target);
        else writePeft(factors, ggufBase, arch, h, rank, target);
    }

    private static void writeGguf(List<LoraExtract.Factors> factors, boolean ggufBase, String arch, Hyperparameters h,
                                  int rank, Path target) throws IOException {
        Map<String, GgufValue> kv = new LinkedHashMap<>();
        kv.put("general.architecture", GgufValue.string(arch == null ? "llama" : arch));
        kv.put("general.type", GgufValue.string("adapter"));
        kv.put("adapter.type", GgufValue.string("lora"));
        kv.put("adapter.lora.alpha", GgufValue.f32(rank));
        List<GgufTensorSpec> specs = new ArrayList<>();
        List<float[]> data = new ArrayList<>();
        for (LoraExtract.Factors f : factors) {
            String name = ggufBase ? f.base().name() : TensorNames.toGguf(f.base().name()).orElse(f.base().name());
            float[] b = f.b();
            int heads = ggufBase ? 0 : TensorNames.permutationHeads(name, arch, h.heads(), h.kvHeads());
            if (heads > 0) b = TensorNames.permuteRows(b, rank, TensorNames.hfToGgufRows(f.out(), heads));
            specs.add(new GgufTensorSpec(name + ".lora_a", new long[] {f.in(), rank}, TensorType.F32));
            data.add(f.a());
            specs.add(new GgufTensorSpec(name + ".lora_b", new long[] {rank, f.out()}, TensorType.F32));
            data.add(b);
        }
        GgufWriter.write(target, kv, specs, (index, spec, sink) -> sink.write(bytes(data.get(index))));
    }

    private static void writePeft(List<LoraExtract.Factors> factors, boolean ggufBase, String arch, Hyperparameters h,
                                  int rank, Path dir) throws IOException {
        if (Files.isRegularFile(dir)) {
            throw new WeightclassException(dir + ": a PEFT adapter is a folder (adapter_model.safetensors + "
                    + PeftConfig.FILE + "), and this is a file");
        }
        Files.createDirectories(dir);
        List<SafetensorsWriter.Tensor> tensors = new ArrayList<>();
        TreeSet<String> kinds = new TreeSet<>();
        TreeSet<Boolean> conv1d = new TreeSet<>();
        for (LoraExtract.Factors f : factors) {
            String module = ggufBase ? hfModule(f.base().name(), arch) : strip(f.base().name());
            float[] b = f.b();
            int heads = ggufBase ? TensorNames.permutationHeads(module, arch, h.heads(), h.kvHeads()) : 0;
            if (heads > 0) b = TensorNames.permuteRows(b, rank, TensorNames.ggufToHfRows(f.out(), heads));
            kinds.add(TensorNames.kind(module));
            conv1d.add(TensorNames.isConv1d(module));
            String key = "base_model.model." + module;
            float[] bb = b;
            tensors.add(new SafetensorsWriter.Tensor(key + ".lora_A.weight", TensorType.F32, new long[] {rank, f.in()},
                    ch -> writeAll(ch, bytes(f.a()))));
            tensors.add(new SafetensorsWriter.Tensor(key + ".lora_B.weight", TensorType.F32, new long[] {f.out(), rank},
                    ch -> writeAll(ch, bytes(bb))));
        }
        if (conv1d.size() > 1) {
            throw new WeightclassException("the targets mix Conv1D and linear layers; PEFT's fan_in_fan_out is one flag "
                    + "for the whole adapter: choose targets with --targets");
        }
        PeftConfig config = new PeftConfig(rank, rank, List.copyOf(kinds), conv1d.first(), false, Map.of(), Map.of(), "");
        SafetensorsWriter.write(dir.resolve("adapter_model.safetensors"), tensors, Map.of("format", "pt"));
        byte[] json = config.toJson().getBytes(StandardCharsets.UTF_8);
        AtomicOutput.write(dir.resolve(PeftConfig.FILE), ch -> writeAll(ch, ByteBuffer.wrap(json)));
    }

    /** The Hugging Face module path of a GGUF tensor for {@code arch}, or the name itself when none is known. */
    static String hfModule(String ggufName, String arch) {
        List<String> c = TensorNames.toHf(ggufName);
        String prefer = "gpt2".equals(arch) ? "transformer.h." : "model.";
        for (String s : c) if (s.startsWith(prefer)) return s;
        return c.isEmpty() ? strip(ggufName) : c.getFirst();
    }

    private static String strip(String name) {
        return name.endsWith(".weight") ? name.substring(0, name.length() - 7) : name;
    }

    private static ByteBuffer bytes(float[] x) {
        ByteBuffer b = ByteBuffer.allocate(4 * x.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(x);
        return b;
    }

    private static void writeAll(java.nio.channels.FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }
}
