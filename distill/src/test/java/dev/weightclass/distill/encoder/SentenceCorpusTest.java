package dev.weightclass.distill.encoder;

import dev.weightclass.SharedData;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SentenceCorpusTest {

    @Test
    void splitsProseIntoSentencesWithoutSpeakerNames() {
        String text = """
                First Citizen:
                Before we proceed any further, hear me speak.

                All:
                Speak, speak.

                First Citizen:
                You are all resolved rather to die
                than to famish? We know't, we know't. Let it be done: away!
                """;
        assertThat(SentenceCorpus.split(text)).containsExactly(
                "Before we proceed any further, hear me speak.",
                "You are all resolved rather to die than to famish?",
                "We know't, we know't.",
                "Let it be done: away!");
    }

    @Test
    void longRunsAreCutAndQuotesStayWithTheirSentence() {
        String words = "word ".repeat(SentenceCorpus.MAX_WORDS + 10).strip();
        List<String> s = SentenceCorpus.split(words + ". 'Oh dear! I shall be late!' said the Rabbit.");
        assertThat(s.get(0).split(" ")).hasSize(SentenceCorpus.MAX_WORDS);
        assertThat(s.get(1)).isEqualTo("word ".repeat(10).strip() + ".");
        assertThat(s).containsSequence("I shall be late!'", "said the Rabbit.");
    }

    @Test
    void stsFilesGiveBothSidesOnceAndTextsFollow() throws Exception {
        Path train = SharedData.data("sts-benchmark/sts-train.ccbysa-subset.tsv");
        Path alice = SharedData.data("text/alice.txt");
        List<String> sts = SentenceCorpus.read(List.of(train));
        assertThat(sts.getFirst()).isEqualTo("Two green and white trains sitting on the tracks.");
        assertThat(sts).hasSizeBetween(1000, 2000).doesNotHaveDuplicates();
        List<String> both = SentenceCorpus.read(List.of(train, alice));
        assertThat(both.subList(0, sts.size())).isEqualTo(sts);
        assertThat(both.size() - sts.size()).isGreaterThan(800);
    }
}
