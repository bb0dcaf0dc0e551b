package dev.weightclass.size;

import dev.weightclass.format.ModelFile;
import dev.weightclass.format.gguf.GgufTensorSpec;
import dev.weightclass.format.gguf.GgufValue;
import dev.weightclass.format.gguf.GgufWriter;
import dev.weightclass.tensor.TensorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class MoeLabelTest {
    @TempDir
    Path dir;

    @Test
    void mixtureOfExpertsIsLabelledCountTimesSharedPlusOneExpert() throws Exception {
        // Mixtral-8x7B shapes, one layer kept per kind, header only (sparse data):
        // 32 layers x 3 stacked expert tensors [8, 14336, 4096] = 45,097,156,608 expert parameters
        // plus 1,602,625,536 shared ones -> "8x7.2B", as GGUF's size_label says for Mixtral.
        Map<String, GgufValue> kv = new LinkedHashMap<>();
        kv.put("general.architecture", GgufValue.string("llama"));
        kv.put("llama.expert_count", GgufValue.u32(8));
        List<GgufTensorSpec> specs = new java.util.ArrayList<>();
        specs.add(new GgufTensorSpec("token_embd.weight", new long[] {4096, 32000}, TensorType.Q4_0));
        specs.add(new GgufTensorSpec("output.weight", new long[] {4096, 32000}, TensorType.Q4_0));
        specs.add(new GgufTensorSpec("output_norm.weight", new long[] {4096}, TensorType.F32));
        for (int l = 0; l < 32; l++) {
            String b = "blk." + l + ".";
            specs.add(new GgufTensorSpec(b + "attn_norm.weight", new long[] {4096}, TensorType.F32));
            specs.add(new GgufTensorSpec(b + "ffn_norm.weight", new long[] {4096}, TensorType.F32));
            specs.add(new GgufTensorSpec(b + "ffn_gate_inp.weight", new long[] {4096, 8}, TensorType.F32));
            specs.add(new GgufTensorSpec(b + "attn_q.weight", new long[] {4096, 4096}, TensorType.Q4_0));
            specs.add(new GgufTensorSpec(b + "attn_k.weight", new long[] {4096, 1024}, TensorType.Q4_0));
            specs.add(new GgufTensorSpec(b + "attn_v.weight", new long[] {4096, 1024}, TensorType.Q4_0));
            specs.add(new GgufTensorSpec(b + "attn_output.weight", new long[] {4096, 4096}, TensorType.Q4_0));
            specs.add(new GgufTensorSpec(b + "ffn_gate_exps.weight", new long[] {4096, 14336, 8}, TensorType.Q4_0));
            specs.add(new GgufTensorSpec(b + "ffn_up_exps.weight", new long[] {4096, 14336, 8}, TensorType.Q4_0));
            specs.add(new GgufTensorSpec(b + "ffn_down_exps.weight", new long[] {14336, 4096, 8}, TensorType.Q4_0));
        }
        Path p = dir.resolve("moe.gguf");
        GgufWriter.write(p, kv, specs, (i, spec, out) -> out.skip(spec.byteSize()));
        try (ModelFile m = ModelFile.open(p)) {
            ModelInspection info = ModelInspection.of(m);
            assertThat(info.parameters()).isEqualTo(46_702_792_704L);
            assertThat(info.sizeClass()).isEqualTo("8x7.2B");
        }
    }
}
