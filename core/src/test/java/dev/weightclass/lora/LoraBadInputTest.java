package dev.weightclass.lora;

import dev.weightclass.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Impossible requests: one line on stderr, exit 2, no output file. */
class LoraBadInputTest {

    static String[] run(String... args) {
        return Fixtures.run(args);
    }

    static void assertOneLineExit2(String[] r, String... fragments) {
        assertThat(r[0]).as(r[2]).isEqualTo("2");
        assertThat(r[2].strip().lines().count()).as(r[2]).isEqualTo(1);
        for (String f : fragments) assertThat(r[2]).contains(f);
    }

    static Path adapter(Path dir, String config) throws Exception {
        Random rnd = new Random(1);
        return Fixtures.peft(dir, Map.of("model.layers.0.self_attn.q_proj",
                new Fixtures.Pair(Fixtures.random(rnd, 4 * 64, 0.1), Fixtures.random(rnd, 64 * 4, 0.1), 4, 64, 64)), config);
    }

    @Test
    void missingConfigFields(@TempDir Path dir) throws Exception {
        Path a = adapter(dir.resolve("a"), "{\"peft_type\":\"LORA\",\"r\":4,\"target_modules\":[\"q_proj\"]}");
        assertOneLineExit2(run("lora", "info", a.toString()), "adapter_config.json", "missing field 'lora_alpha'");
        Path b = adapter(dir.resolve("b"), "{\"peft_type\":\"LORA\",\"lora_alpha\":8}");
        assertOneLineExit2(run("lora", "info", b.toString()), "missing field 'r'");
        Path c = adapter(dir.resolve("c"), Fixtures.config(4, 8, false, "q_proj"));
        Files.delete(c.resolve("adapter_config.json"));
        assertOneLineExit2(run("lora", "info", c.toString()), "no adapter_config.json");
    }

    @Test
    void rankInConfigMustMatchTheTensors(@TempDir Path dir) throws Exception {
        Path a = adapter(dir.resolve("a"), Fixtures.config(8, 16, false, "q_proj"));
        assertOneLineExit2(run("lora", "info", a.toString()), "rank 4", "rank 8");
    }

    @Test
    void rankPatternAlphaPatternAndRsloraSetTheScale(@TempDir Path dir) throws Exception {
        Path a = adapter(dir.resolve("a"), "{\"peft_type\":\"LORA\",\"r\":16,\"lora_alpha\":8,\"use_rslora\":true,"
                + "\"rank_pattern\":{\"q_proj\":4},\"alpha_pattern\":{\"layers.0.self_attn.q_proj\":6}}");
        try (LoraAdapter ad = LoraAdapter.open(a)) {
            assertThat(ad.pairs().getFirst().scale()).isEqualTo(6 / Math.sqrt(4));
        }
    }

    @Test
    void aModelIsNotAnAdapter(@TempDir Path dir) {
        Path model = SharedData.data("aidreams260K/aidreams260K-f32.gguf");
        assertOneLineExit2(run("lora", "info", model.toString()), "general.type");
    }

    @Test
    void adapterForAnotherModelNamesTheTensorAndShapes(@TempDir Path dir) throws Exception {
        Random rnd = new Random(2);
        Path a = Fixtures.peft(dir.resolve("wide"), Map.of("model.layers.0.self_attn.q_proj",
                new Fixtures.Pair(Fixtures.random(rnd, 4 * 128, 0.1), Fixtures.random(rnd, 128 * 4, 0.1), 4, 128, 128)),
                Fixtures.config(4, 8, false, "q_proj"));
        Path model = SharedData.data("aidreams260K/aidreams260K-f32.gguf");
        Path out = dir.resolve("m.gguf");
        assertOneLineExit2(run("lora", "merge", model.toString(), a.toString(), "-o", out.toString()),
                "blk.0.attn_q.weight", "[64, 64]", "[128, 128]");
        assertThat(out).doesNotExist();
        assertOneLineExit2(run("run", model.toString(), "--lora", a.toString(), "-n", "2"), "blk.0.attn_q.weight");
    }

    @Test
    void everyLoraCommandTeachesWithHelp() {
        for (String sub : new String[] {"info", "merge", "extract", "apply"}) {
            String[] r = run("lora", sub, "--help");
            assertThat(r[0]).isEqualTo("0");
            assertThat(r[1]).contains("Usage: weightclass lora " + sub).contains("Example");
        }
        assertThat(run("lora")[1]).contains("info").contains("merge").contains("extract").contains("apply");
    }
}
