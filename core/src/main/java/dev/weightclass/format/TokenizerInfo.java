package dev.weightclass.format;

/**
 * What a model file says about its tokenizer.
 *
 * @param kind      e.g. "llama" (SentencePiece), "gpt2" (byte-level BPE), "bert" (WordPiece),
 *                  "llama2c", "tokenizer.json"
 * @param vocabSize tokens in the vocabulary
 * @param merges    BPE merges, 0 when none
 * @param bytes     bytes the tokenizer takes in the file (0 when not known)
 */
public record TokenizerInfo(String kind, int vocabSize, int merges, long bytes) {}
