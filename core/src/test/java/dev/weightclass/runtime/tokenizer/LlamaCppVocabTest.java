package dev.weightclass.runtime.tokenizer;

import dev.weightclass.SharedData;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * llama.cpp's tokenizer test vectors: every string of each {@code .inp} file must give exactly the
 * ids on the matching line of the {@code .out} file, without special tokens (as llama.cpp's
 * test-tokenizer-0 runs them).
 */
public class LlamaCppVocabTest {

    static final String SEPARATOR = "\n__ggml_vocab_test__\n";

    public record Case(String text, int[] ids) {}

    /** The .inp/.out pair as llama.cpp's test reads it: texts split at separator lines. */
    public static List<Case> cases(Path gguf) throws IOException {
        String inp = Files.readString(Path.of(gguf + ".inp"));
        List<String> out = Files.readAllLines(Path.of(gguf + ".out"));
        List<String> texts = new ArrayList<>();
        int pos = 0;
        while (pos < inp.length()) {
            int next = inp.indexOf(SEPARATOR, pos);
            if (next < 0) {
                texts.add(inp.substring(pos));
                break;
            }
            texts.add(inp.substring(pos, next));
            pos = next + SEPARATOR.length();
        }
        assertThat(texts).hasSameSizeAs(out);
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            String line = out.get(i).strip();
            int[] ids = line.isEmpty() ? new int[0] : Arrays.stream(line.split(" ")).mapToInt(Integer::parseInt).toArray();
            cases.add(new Case(texts.get(i), ids));
        }
        return cases;
    }

    static Path vocab(String name) {
        return SharedData.data("llamacpp-vocab/ggml-vocab-" + name + ".gguf");
    }

    @TestFactory
    Stream<DynamicTest> everyVocabularyGivesTheReferenceIds() {
        return Stream.of("llama-spm", "phi-3", "gpt-2", "bert-bge").map(name -> DynamicTest.dynamicTest(name, () -> {
            Path gguf = vocab(name);
            Tokenizer t = Tokenizers.forModel(gguf);
            List<Case> cases = cases(gguf);
            assertThat(cases).hasSize(46);
            int pass = 0;
            List<String> failures = new ArrayList<>();
            for (Case c : cases) {
                int[] got = t.encode(c.text(), false);
                if (Arrays.equals(got, c.ids())) pass++;
                else failures.add("'" + c.text() + "': expected " + Arrays.toString(c.ids()) + " got " + Arrays.toString(got));
            }
            System.out.printf("%s: %d/%d reference strings%n", name, pass, cases.size());
            assertThat(failures).isEmpty();
        }));
    }

    @TestFactory
    Stream<DynamicTest> losslessVocabulariesRoundTrip() {
        return Stream.of("llama-spm", "phi-3", "gpt-2").map(name -> DynamicTest.dynamicTest(name, () -> {
            Path gguf = vocab(name);
            Tokenizer t = Tokenizers.forModel(gguf);
            for (Case c : cases(gguf)) {
                assertThat(t.decode(t.encode(c.text(), false))).isEqualTo(c.text());
                assertThat(t.decode(t.encode(c.text(), true))).isEqualTo(c.text());
            }
        }));
    }

    @TestFactory
    Stream<DynamicTest> bosAsTheMetadataSays() {
        return Stream.of("llama-spm", "phi-3", "gpt-2", "bert-bge").map(name -> DynamicTest.dynamicTest(name, () -> {
            Tokenizer t = Tokenizers.forModel(vocab(name));
            int[] plain = t.encode("Hello world", false);
            int[] withBos = t.encode("Hello world");
            switch (name) {
                case "gpt-2" -> assertThat(withBos).isEqualTo(plain);       // no add_bos_token, BPE default off
                case "bert-bge" -> {                                         // [CLS] text [SEP]
                    assertThat(withBos[0]).isEqualTo(101);
                    assertThat(withBos[withBos.length - 1]).isEqualTo(102);
                }
                default -> assertThat(withBos[0]).isEqualTo(1);             // add_bos_token = true
            }
        }));
    }

    @TestFactory
    Stream<DynamicTest> miniLmTokenizerJsonAgreesWithBertBge() {
        // all-MiniLM-L6-v2 and bge-small share bert-base-uncased's vocabulary and normalizer
        return Stream.of(DynamicTest.dynamicTest("minilm", () -> {
            Tokenizer t = Tokenizers.miniLm();
            int pass = 0;
            List<Case> cases = cases(vocab("bert-bge"));
            for (Case c : cases) {
                assertThat(t.encode(c.text(), false)).as(c.text()).isEqualTo(c.ids());
                pass++;
            }
            System.out.printf("minilm tokenizer.json: %d/%d bert-bge reference strings%n", pass, cases.size());
            assertThat(t.encode("Hello world")).startsWith(101).endsWith(102);
        }));
    }
}
