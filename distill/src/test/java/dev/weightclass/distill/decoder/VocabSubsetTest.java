package dev.weightclass.distill.decoder;

import dev.weightclass.SharedData;
import dev.weightclass.WeightclassException;
import dev.weightclass.format.gguf.GgufFile;
import dev.weightclass.format.gguf.GgufValue;
import dev.weightclass.runtime.tokenizer.LlamaCppVocabTest;
import dev.weightclass.runtime.tokenizer.TokenType;
import dev.weightclass.runtime.tokenizer.Tokenizer;
import dev.weightclass.runtime.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The reduced vocabulary on real tokenizers: closure, agreement on real texts, and a broken subset refused. */
class VocabSubsetTest {

    static Map<String, GgufValue> keys(Path gguf) throws IOException {
        try (GgufFile g = GgufFile.open(gguf)) {
            Map<String, GgufValue> kv = new LinkedHashMap<>();
            g.kv().forEach((k, v) -> { if (k.startsWith("tokenizer.")) kv.put(k, v); });
            return kv;
        }
    }

    static List<String> texts(Path gguf) throws IOException {
        return LlamaCppVocabTest.cases(gguf).stream().map(LlamaCppVocabTest.Case::text).toList();
    }

    static List<String> labels(int n) {
        List<String> l = new ArrayList<>();
        for (int i = 0; i < n; i++) l.add("text " + (i + 1));
        return l;
    }

    static BitSet used(Tokenizer t, List<String> texts) {
        BitSet used = new BitSet();
        for (String s : texts) for (int id : t.encode(s, false)) used.set(id);
        return used;
    }

    /** The student tokenizer gives the teacher's pieces on every text (checkAgreement passes, and by hand). */
    static void assertAgrees(Tokenizer teacher, VocabSubset v, Tokenizer student, List<String> texts) {
        v.checkAgreement(teacher, student, texts, labels(texts.size()));
        for (String s : texts) {
            int[] a = teacher.encode(s, false), b = student.encode(s, false);
            List<String> pa = new ArrayList<>(), pb = new ArrayList<>();
            for (int id : a) pa.add(teacher.piece(id));
            for (int id : b) pb.add(student.piece(id));
            assertThat(pb).as(s).isEqualTo(pa);
            assertThat(student.decode(b)).isEqualTo(teacher.decode(a));
        }
    }

    /**
     * A deliberately broken subset: the used tokens with the byte and special tokens, but without
     * the merge steps that lead to them.
     */
    static VocabSubset withoutMergeSteps(VocabSubset v, BitSet used, Map<String, GgufValue> keys) {
        VocabSubset.Closure c = new VocabSubset.Closure(keys);
        BitSet broken = c.required();
        broken.or(used);
        int dropped = 0;
        for (int id : v.keep) if (!broken.get(id)) dropped++;
        assertThat(dropped).as("merge steps in the closure").isPositive();
        return VocabSubset.of(keys, broken, used.cardinality());
    }

    static void assertRefused(Tokenizer teacher, VocabSubset broken, List<String> texts) {
        assertThatThrownBy(() -> broken.checkAgreement(teacher, broken.tokenizer("broken"), texts, labels(texts.size())))
                .isInstanceOf(WeightclassException.class)
                .hasMessageContaining("mismatched tokenizers")
                .hasMessageMatching("(?s).*tokenizes text \\d+ differently from the teacher near byte \\d+.*");
    }

    @Test
    void aidreamsVocabularyKeepsTheUsedTokensTheirMergesBytesAndSpecials() throws IOException {
        Path teacher = SharedData.data("aidreams260K/aidreams260K-f32.gguf");
        Map<String, GgufValue> keys = keys(teacher);
        Tokenizer t = Tokenizers.fromGgufKeys(keys, "teacher");
        List<String> texts = TextData.texts(SharedData.data("aidreams260K/aidreams260K_teacher_samples.txt"));
        BitSet used = used(t, texts);
        VocabSubset v = VocabSubset.choose(keys, used, 0);
        VocabSubset.Closure c = new VocabSubset.Closure(keys);
        BitSet kept = new BitSet();
        for (int id : v.keep) kept.set(id);
        BitSet missing = (BitSet) used.clone();
        missing.andNot(kept);
        assertThat(missing.isEmpty()).as("every used token is kept").isTrue();
        for (int id = 0; id < c.size; id++) {
            if (c.types[id] == TokenType.BYTE || c.types[id] == TokenType.CONTROL || c.types[id] == TokenType.UNKNOWN) {
                assertThat(kept.get(id)).as(c.text[id]).isTrue();
            }
        }
        assertThat(v.size()).isLessThan(512).isGreaterThan(used.cardinality());
        Tokenizer student = v.tokenizer("student");
        assertThat(student.vocabSize()).isEqualTo(v.size());
        assertThat(student.piece(student.bos())).isEqualTo("<s>");
        assertAgrees(t, v, student, texts);
        // the tokenizer.json form reads back to the same tokenizer
        assertAgrees(t, v, TokenizerJson.reload(v.keys), texts);

        // without the merge steps the student splits some text differently
        assertRefused(t, withoutMergeSteps(v, used, keys), texts);
    }

    @Test
    void llamaSpmClosureAgreesOnLlamaCppsTestStrings() throws IOException {
        Path gguf = SharedData.data("llamacpp-vocab/ggml-vocab-llama-spm.gguf");
        Map<String, GgufValue> keys = keys(gguf);
        Tokenizer t = Tokenizers.fromGgufKeys(keys, "llama-spm");
        List<String> texts = texts(gguf);
        BitSet used = used(t, texts);
        VocabSubset v = VocabSubset.choose(keys, used, 0);
        // measured: 156 tokens used, 507 kept (259 byte and special tokens, the rest merge steps and characters)
        assertThat(v.size()).isLessThan(1000);
        assertAgrees(t, v, v.tokenizer("student"), texts);
        assertAgrees(t, v, TokenizerJson.reload(v.keys), texts);
        assertRefused(t, withoutMergeSteps(v, used, keys), texts);
        // --vocab below the closure is refused, naming the size that works
        assertThatThrownBy(() -> VocabSubset.choose(keys, used, v.size() - 1))
                .hasMessageContaining("mismatched tokenizers").hasMessageContaining("--vocab " + v.size());
        // a larger --vocab fills up with the teacher's tokens and still agrees
        VocabSubset bigger = VocabSubset.choose(keys, used, v.size() + 100);
        assertThat(bigger.size()).isBetween(v.size() + 90, v.size() + 100);
        assertAgrees(t, bigger, bigger.tokenizer("bigger"), texts);
    }

    @Test
    void gpt2ClosureKeepsMergesBytesAndAgrees() throws IOException {
        Path gguf = SharedData.data("llamacpp-vocab/ggml-vocab-gpt-2.gguf");
        Map<String, GgufValue> keys = keys(gguf);
        Tokenizer t = Tokenizers.fromGgufKeys(keys, "gpt-2");
        List<String> texts = texts(gguf);
        BitSet used = used(t, texts);
        VocabSubset v = VocabSubset.choose(keys, used, 0);
        assertThat(v.size()).isLessThan(2000).isGreaterThan(256);
        List<?> merges = v.keys.get("tokenizer.ggml.merges").asList();
        assertThat(merges.size()).isLessThan(v.size()).isGreaterThan(0);
        Tokenizer student = v.tokenizer("student");
        assertAgrees(t, v, student, texts);
        assertAgrees(t, v, TokenizerJson.reload(v.keys), texts);
        assertRefused(t, withoutMergeSteps(v, used, keys), texts);
    }

    /** The whole llama-spm vocabulary written as tokenizer.json reads back to llama.cpp's reference ids. */
    @Test
    void fullVocabularyAsTokenizerJsonGivesTheReferenceIds() throws IOException {
        Path gguf = SharedData.data("llamacpp-vocab/ggml-vocab-llama-spm.gguf");
        Tokenizer t = TokenizerJson.reload(keys(gguf));
        for (LlamaCppVocabTest.Case c : LlamaCppVocabTest.cases(gguf)) {
            assertThat(t.encode(c.text(), false)).as(c.text()).isEqualTo(c.ids());
        }
    }
}
