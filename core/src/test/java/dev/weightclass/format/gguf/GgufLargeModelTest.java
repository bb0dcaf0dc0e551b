package dev.weightclass.format.gguf;

import dev.weightclass.cli.Main;
import dev.weightclass.format.ModelFile;
import dev.weightclass.size.ModelInspection;
import dev.weightclass.tensor.TensorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** A Llama-2-7B-shaped GGUF (3.8 GB of Q4_0, written sparse): headers only, nothing model-sized in heap. */
class GgufLargeModelTest {
    @TempDir
    Path dir;

    @Test
    void sevenBillionParametersFromAHeader() throws Exception {
        Path p = LlamaShapedGguf.write(dir.resolve("llama2-7b-shaped.Q4_0.gguf"), LlamaShapedGguf.Shape.LLAMA2_7B, TensorType.Q4_0);
        var specs = LlamaShapedGguf.tensors(LlamaShapedGguf.Shape.LLAMA2_7B, TensorType.Q4_0);
        long size = Files.size(p);
        assertThat(size).isEqualTo(GgufWriter.fileSize(3, LlamaShapedGguf.metadata(LlamaShapedGguf.Shape.LLAMA2_7B), specs, 32));
        assertThat(size).isBetween(3_700_000_000L, 3_900_000_000L);

        try (ModelFile m = ModelFile.open(p)) {
            ModelInspection in = ModelInspection.of(m);
            assertThat(in.parameters()).isEqualTo(6_738_415_616L);
            assertThat(in.sizeClass()).isEqualTo("6.7B");
            assertThat(in.tensorCount()).isEqualTo(291);
            assertThat(in.duplicates()).isEmpty(); // the marked starts tell the tensors apart
            assertThat(m.hyperparameters().layers()).isEqualTo(32);
            assertThat(m.hyperparameters().tiedEmbeddings()).isFalse();
            var q = m.tensor("blk.31.attn_q.weight").orElseThrow();
            assertThat(m.data(q).byteSize()).isEqualTo(4096L * 4096 / 32 * 18);
            // The marker: the tensor's index + 1 (big-endian), then the hole reads as zeros.
            assertThat(m.data(q).get(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN), 0))
                    .isEqualTo(m.tensors().indexOf(q) + 1);
            assertThat(m.data(q).get(java.lang.foreign.ValueLayout.JAVA_BYTE, 1000)).isZero();
        }
        StringWriter out = new StringWriter(), err = new StringWriter();
        assertThat(Main.run(new String[] {"inspect", p.toString()}, new PrintWriter(out), new PrintWriter(err))).isZero();
        assertThat(out.toString()).contains("6,738,415,616").contains("6.7B");
    }
}
