package dev.weightclass.format;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TokenizerJsonTest {
    @TempDir
    Path dir;

    @Test
    void bpeCountsVocabularyMergesAndNewAddedTokens() throws IOException {
        Path p = dir.resolve("tokenizer.json");
        Files.writeString(p, """
                {"version": "1.0", "truncation": null,
                 "added_tokens": [{"id": 0, "content": "<s>", "special": true},
                                  {"id": 5, "content": "<extra>", "special": true}],
                 "normalizer": {"type": "NFC"},
                 "model": {"type": "BPE", "dropout": null,
                           "vocab": {"<s>": 0, "a": 1, "b": 2, "ab": 3},
                           "merges": ["a b", ["ab", "b"]]}}
                """);
        TokenizerInfo t = TokenizerJson.read(p);
        assertThat(t.kind()).isEqualTo("BPE");
        assertThat(t.vocabSize()).isEqualTo(6); // ids 0..3 in the vocabulary, 5 added
        assertThat(t.merges()).isEqualTo(2);
        assertThat(t.bytes()).isEqualTo(Files.size(p));
    }

    @Test
    void unigramVocabularyIsAList() throws IOException {
        Path p = dir.resolve("tokenizer.json");
        Files.writeString(p, """
                {"model": {"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0.0], ["x", -1.5], ["y", -2.5]]}}
                """);
        assertThat(TokenizerJson.read(p)).isEqualTo(new TokenizerInfo("Unigram", 3, 0, Files.size(p)));
    }

    @Test
    void brokenJsonIsAFormatException() throws IOException {
        Path p = dir.resolve("tokenizer.json");
        Files.writeString(p, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": ");
        assertThatThrownBy(() -> TokenizerJson.read(p)).isInstanceOf(FormatException.class)
                .hasMessageContaining("tokenizer.json");
        Files.writeString(p, "{\"model\": {}}");
        assertThatThrownBy(() -> TokenizerJson.read(p)).isInstanceOf(FormatException.class)
                .hasMessageContaining("no model.type");
    }
}
