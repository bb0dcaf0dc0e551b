package dev.weightclass.distill.encoder;

import dev.weightclass.cli.Main;
import dev.weightclass.format.BundledModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** distill with a BERT teacher takes the encoder path; its bad input is one line and exit code 2. */
class EncoderCommandTest {

    static { EncoderTestData.init(); }

    @Test
    void badEncoderOptionsGiveOneLineAndExitTwo(@TempDir Path dir) throws Exception {
        String teacher = BundledModels.extract(BundledModels.MINILM_L6_V2).toString();
        Path data = Files.writeString(dir.resolve("d.txt"), "One short sentence here. Another sentence follows it. And a third one.");
        String out = dir.resolve("student").toString();
        String[][] cases = {
                {"--layers", "7"},
                {"--init-layers", "0,6"},
                {"--layers", "3", "--generate", "10"},
                {"--layers", "3", "--ffn", "2000"},
                {"--layers", "3", "--dim", "250"},
                {"--dim", "512"},
                {"--layers", "6", "--init-layers", "0,1,2,3,4,5"},
                {"--layers", "3", "--sts", dir.resolve("missing.tsv").toString()},
                {"--layers", "3", "--batch", "16"},
        };
        String[] expected = {"larger than the teacher", "layer 6 is out of range", "--generate", "larger than the teacher: --ffn 2000",
                "--dim must be a multiple of 32, e.g. 224", "larger than the teacher: --dim 512", "would not be smaller", "missing.tsv",
                "fewer than one --batch of 16"};
        for (int i = 0; i < cases.length; i++) {
            String[] args = new String[6 + cases[i].length];
            System.arraycopy(new String[] {"distill", teacher, "--data", data.toString(), "-o", out}, 0, args, 0, 6);
            System.arraycopy(cases[i], 0, args, 6, cases[i].length);
            StringWriter o = new StringWriter(), e = new StringWriter();
            int code = Main.run(args, new PrintWriter(o, true), new PrintWriter(e, true));
            assertThat(code).as(String.join(" ", cases[i]) + ": " + e).isEqualTo(2);
            assertThat(e.toString().strip().lines().count()).as(e.toString()).isEqualTo(1);
            assertThat(e.toString()).contains(expected[i]);
            assertThat(Files.exists(dir.resolve("student"))).isFalse();
        }
    }

    @Test
    void encodersTrainAtASmallerRateThanDecodersUnlessTold() {
        assertThat(new EncoderRecipe().defaultLearningRate()).isEqualTo(1e-4);
        assertThat(new dev.weightclass.distill.decoder.DecoderRecipe().defaultLearningRate()).isEqualTo(2e-3);
        dev.weightclass.distill.DistillOptions o = new dev.weightclass.distill.DistillOptions();
        new picocli.CommandLine(o).parseArgs("t.gguf", "--data", "d.txt", "-o", "out", "--layers", "2");
        assertThat(o.lr).as("no --lr: the recipe chooses").isNull();
        new picocli.CommandLine(o).parseArgs("t.gguf", "--data", "d.txt", "-o", "out", "--layers", "2", "--lr", "3e-4");
        assertThat(o.lr).isEqualTo(3e-4);
    }
}
