package dev.weightclass.distill.decoder;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weightclass.WeightclassException;
import dev.weightclass.distill.train.Param;
import dev.weightclass.format.AtomicOutput;
import dev.weightclass.format.HfConfig;
import dev.weightclass.format.gguf.GgufValue;
import dev.weightclass.format.safetensors.SafetensorsWriter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes a student of a Hugging Face teacher as a {@code LlamaForCausalLM} folder:
 * {@code model.safetensors} (float32, Hugging Face names), the teacher's {@code config.json} with
 * the student's block count, FFN width and vocabulary, and its tokenizer: the teacher's files
 * copied when the vocabulary is the teacher's own, else a {@code tokenizer.json} made from the
 * student's vocabulary ({@link TokenizerJson}). The student was trained on the teacher's tensors
 * as stored, so q/k rows are still in Hugging Face's rotate-half order: nothing is permuted.
 */
final class HfExport {
    private HfExport() {}

    static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer.model", "tokenizer_config.json",
            "special_tokens_map.json", "generation_config.json");

    /**
     * @param out          a folder (created) or a {@code .safetensors} file with the rest beside it
     * @param teacherFile  the teacher's safetensors file (config.json and tokenizer files beside it)
     * @param tokenizer    the student's tokenizer keys when they are not the teacher folder's own
     *                     files (reduced vocabulary, or --tokenizer), else null to copy those files
     */
    static void write(Path out, Path teacherFile, TorchLlama student, Map<String, GgufValue> tokenizer) throws IOException {
        boolean file = out.getFileName().toString().endsWith(".safetensors");
        Path dir = (file ? out.toAbsolutePath().getParent() : out.toAbsolutePath());
        Files.createDirectories(dir);
        Path from = teacherFile.toAbsolutePath().getParent();
        if (from.normalize().equals(dir.normalize())) {
            throw new WeightclassException(out + ": is the teacher's folder; write the student elsewhere");
        }
        List<SafetensorsWriter.Tensor> tensors = new ArrayList<>();
        for (Param p : student.parameters()) {
            long[] shape = p.value().getShape().getShape();
            tensors.add(SafetensorsWriter.Tensor.f32(hfName(p.name()), () -> p.value().toFloatArray(), shape));
        }
        SafetensorsWriter.write(file ? out : dir.resolve("model.safetensors"), tensors, Map.of("format", "pt"));

        ObjectNode config = (ObjectNode) HfConfig.read(from.resolve("config.json")).raw().deepCopy();
        var c = student.config();
        config.put("hidden_size", c.dim());
        config.put("num_attention_heads", c.heads());
        config.put("num_key_value_heads", c.kvHeads());
        if (c.dim() != c.qDim() || config.has("head_dim")) config.put("head_dim", c.headDim());
        config.put("num_hidden_layers", student.config().layers());
        config.put("intermediate_size", student.config().ffnDim());
        config.put("vocab_size", student.config().vocabSize());
        config.put("tie_word_embeddings", student.tied());
        config.put("torch_dtype", "float32");
        if (tokenizer != null) {
            for (String s : List.of("bos", "eos", "pad")) {
                GgufValue id = tokenizer.get("tokenizer.ggml." + (s.equals("pad") ? "padding" : s) + "_token_id");
                if (id != null) config.put(s + "_token_id", id.asLong());
                else config.remove(s + "_token_id");
            }
        }
        ObjectMapper json = new ObjectMapper();
        AtomicOutput.write(dir.resolve("config.json"),
                json.writerWithDefaultPrettyPrinter().writeValueAsBytes(config));
        if (tokenizer == null) {
            for (String name : TOKENIZER_FILES) {
                Path f = from.resolve(name);
                if (Files.isRegularFile(f)) AtomicOutput.write(dir.resolve(name), Files.readAllBytes(f));
            }
        } else {
            // the teacher's own files describe another vocabulary: they must not sit beside the student's
            for (String name : TOKENIZER_FILES) Files.deleteIfExists(dir.resolve(name));
            AtomicOutput.write(dir.resolve("tokenizer.json"), TokenizerJson.write(tokenizer).getBytes(StandardCharsets.UTF_8));
            AtomicOutput.write(dir.resolve("tokenizer_config.json"),
                    TokenizerJson.config(tokenizer).getBytes(StandardCharsets.UTF_8));
        }
    }

    /** GGUF tensor name -> Hugging Face llama name. */
    static String hfName(String gguf) {
        switch (gguf) {
            case "token_embd.weight": return "model.embed_tokens.weight";
            case "output_norm.weight": return "model.norm.weight";
            case "output.weight": return "lm_head.weight";
            default: break;
        }
        String[] parts = gguf.split("\\.", 3); // blk, i, rest
        String hf = switch (parts[2]) {
            case "attn_norm.weight" -> "input_layernorm.weight";
            case "attn_q.weight" -> "self_attn.q_proj.weight";
            case "attn_k.weight" -> "self_attn.k_proj.weight";
            case "attn_v.weight" -> "self_attn.v_proj.weight";
            case "attn_output.weight" -> "self_attn.o_proj.weight";
            case "ffn_norm.weight" -> "post_attention_layernorm.weight";
            case "ffn_gate.weight" -> "mlp.gate_proj.weight";
            case "ffn_up.weight" -> "mlp.up_proj.weight";
            case "ffn_down.weight" -> "mlp.down_proj.weight";
            default -> throw new IllegalStateException("no Hugging Face name for " + gguf);
        };
        return "model.layers." + parts[1] + "." + hf;
    }
}
