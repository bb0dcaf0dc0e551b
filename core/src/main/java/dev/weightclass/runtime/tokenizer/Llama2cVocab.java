package dev.weightclass.runtime.tokenizer;

import dev.weightclass.WeightclassException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * llama2.c's {@code tokenizer.bin}: int32 max token length, then per token a float32 score, an
 * int32 byte length and the UTF-8 bytes. The vocabulary size comes from the checkpoint header.
 * Ids 0..2 are {@code <unk>}, {@code <s>}, {@code </s>} (stored as "\n<s>\n" by llama2.c's export),
 * and pieces hold plain spaces where SentencePiece has U+2581.
 */
final class Llama2cVocab {
    private Llama2cVocab() {}

    static Tokenizer read(Path file, int vocabSize) throws IOException {
        long size = Files.size(file);
        if (size > Integer.MAX_VALUE) throw new WeightclassException(file + ": too large for a tokenizer.bin");
        if (vocabSize < 3) {
            throw new WeightclassException(file + ": a llama2.c vocabulary needs at least 3 tokens (unknown, BOS, EOS), this one has "
                    + vocabSize);
        }
        ByteBuffer b = ByteBuffer.wrap(dev.weightclass.format.SmallFiles.read(file, Integer.MAX_VALUE - 16, "a tokenizer.bin")).order(ByteOrder.LITTLE_ENDIAN);
        String[] tokens = new String[vocabSize];
        float[] scores = new float[vocabSize];
        TokenType[] types = new TokenType[vocabSize];
        if (b.remaining() < 4) throw bad(file, 0, "file shorter than its 4-byte header");
        b.getInt(); // max token length: not needed
        for (int i = 0; i < vocabSize; i++) {
            int at = b.position();
            if (b.remaining() < 8) throw bad(file, at, "token " + i + " of " + vocabSize + " is missing");
            scores[i] = b.getFloat();
            int len = b.getInt();
            if (len < 0 || len > b.remaining()) throw bad(file, at + 4, "token " + i + " length " + len + " runs past the end");
            byte[] bytes = new byte[len];
            b.get(bytes);
            String t = new String(bytes, StandardCharsets.UTF_8);
            // llama2.c's export writes SentencePiece's U+2581 as a plain space
            t = i <= 2 ? t.strip() : t.replace(' ', SentencePieceBpe.SPACE);
            tokens[i] = t.isEmpty() ? "[EMPTY_" + i + "]" : t;
            types[i] = i == 0 ? TokenType.UNKNOWN : i <= 2 ? TokenType.CONTROL
                    : VocabTokenizer.byteOf(t) >= 0 ? TokenType.BYTE : TokenType.NORMAL;
        }
        Vocabulary v = new Vocabulary(tokens, scores, types);
        v.unk = 0;
        v.bos = vocabSize > 1 ? 1 : -1;
        v.eos = vocabSize > 2 ? 2 : -1;
        v.addBos = true;
        return new SentencePieceBpe(v, true, "llama");
    }

    private static WeightclassException bad(Path file, long offset, String what) {
        return new WeightclassException(file + ": tokenizer.bin at byte " + offset + ": " + what);
    }
}
