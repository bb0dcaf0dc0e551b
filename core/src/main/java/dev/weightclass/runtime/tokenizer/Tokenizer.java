package dev.weightclass.runtime.tokenizer;

/**
 * Text to token ids and back, for one model's vocabulary. Implementations are immutable and
 * safe to share between threads. Get one from {@link Tokenizers}.
 */
public interface Tokenizer {

    /**
     * Token ids of {@code text}. With {@code addBos} the model's special tokens are added as its
     * metadata says: BOS first (BERT: {@code [CLS]}), and EOS / {@code [SEP]} last where the model
     * asks for them. Special-token texts inside {@code text} (such as {@code <s>}) are tokenized
     * as plain text, except user-defined tokens, which always match (llama.cpp's default).
     */
    int[] encode(String text, boolean addBos);

    /** Token ids with the special tokens the model's metadata asks for ({@link #addsBos()}). */
    default int[] encode(String text) {
        return encode(text, addsBos());
    }

    /**
     * The text of a token sequence: byte tokens are joined into UTF-8, control tokens print as
     * nothing, and the space the tokenizer put in front of the text is removed again. For
     * SentencePiece and byte-level BPE vocabularies {@code decode(encode(s, b)) == s} for any text
     * without special-token texts in it.
     */
    String decode(int[] ids);

    /** The bytes token {@code id} contributes to decoded text (empty for control tokens). */
    byte[] tokenBytes(int id);

    /** The token's text as stored in the vocabulary (e.g. {@code ▁the}, {@code Ġthe}, {@code <0x0A>}). */
    String piece(int id);

    int vocabSize();

    /** Whether {@link #encode(String)} adds BOS: the model's {@code add_bos_token}. */
    boolean addsBos();

    /** Beginning-of-sequence id (BERT: {@code [CLS]}), or -1. */
    int bos();

    /** End-of-sequence id (BERT: {@code [SEP]}), or -1. */
    int eos();

    /** What kind of tokenizer this is: "llama" (SentencePiece BPE), "gpt2", "bert", ... */
    String kind();

    /** The vocabulary: token texts, scores, types. */
    Vocabulary vocabulary();
}
