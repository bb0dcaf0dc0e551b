package dev.weightclass.tensor;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class TensorRolesTest {
    @ParameterizedTest
    @CsvSource({
            "token_embd.weight, EMBEDDING, -1",
            "blk.3.attn_q.weight, ATTENTION, 3",
            "blk.12.ffn_down.weight, FFN, 12",
            "blk.0.attn_norm.weight, NORM, 0",
            "output_norm.weight, NORM, -1",
            "output.weight, OUTPUT, -1",
            "model.embed_tokens.weight, EMBEDDING, -1",
            "model.layers.7.self_attn.k_proj.weight, ATTENTION, 7",
            "model.layers.7.mlp.gate_proj.weight, FFN, 7",
            "model.layers.7.input_layernorm.weight, NORM, 7",
            "lm_head.weight, OUTPUT, -1",
            "transformer.h.5.attn.c_attn.weight, ATTENTION, 5",
            "transformer.h.5.mlp.c_fc.weight, FFN, 5",
            "transformer.h.5.ln_1.weight, NORM, 5",
            "transformer.wte.weight, EMBEDDING, -1",
            "encoder.layer.2.attention.self.query.weight, ATTENTION, 2",
            "encoder.layer.2.intermediate.dense.weight, FFN, 2",
            "encoder.layer.2.output.dense.weight, FFN, 2",
            "encoder.layer.2.output.LayerNorm.weight, NORM, 2",
            "embeddings.word_embeddings.weight, EMBEDDING, -1",
            "layers.1.wq, ATTENTION, 1",
            "layers.1.w2, FFN, 1",
            "layers.1.rms_att_weight, NORM, 1",
            "token_embedding_table, EMBEDDING, -1",
            "wcls, OUTPUT, -1",
            "encoder.layer.0.attention.self.query.weight_scale, QUANT_PARAM, 0",
    })
    void classifies(String name, TensorRole role, int layer) {
        TensorRoles.Classification c = TensorRoles.classify(name);
        assertThat(c.role()).as(name).isEqualTo(role);
        assertThat(c.layer()).as(name).isEqualTo(layer);
    }
}
