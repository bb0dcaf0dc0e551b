package dev.weightclass.runtime.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** What the vocabulary-based tokenizers share: special-token handling and decoding. */
abstract class VocabTokenizer implements Tokenizer {
    final Vocabulary vocab;
    private final String kind;
    /** Split control tokens out of text too (llama.cpp's parse_special); off by default. */
    boolean parseSpecial;

    VocabTokenizer(Vocabulary vocab, String kind) {
        this.vocab = vocab;
        this.kind = kind;
    }

    abstract void encodeFragments(String text, boolean addSpecial, IntList out);

    /** Whether decoding drops one leading space (the one encoding put in front of the text). */
    boolean stripsLeadingSpace() {
        return false;
    }

    @Override
    public int[] encode(String text, boolean addBos) {
        IntList out = new IntList();
        encodeFragments(text, addBos, out);
        return out.toArray();
    }

    @Override
    public String decode(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean strip = stripsLeadingSpace();
        for (int id : ids) {
            byte[] b = tokenBytes(id);
            int from = 0;
            if (strip && b.length > 0) {
                if (b[0] == ' ') from = 1;
                strip = false;
            }
            out.write(b, from, b.length - from);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Override
    public byte[] tokenBytes(int id) {
        if (!vocab.valid(id)) throw new IllegalArgumentException("token id " + id + " outside vocabulary of " + vocab.size());
        TokenType t = vocab.types[id];
        if (t.hiddenInText()) return new byte[0];
        String text = vocab.tokens[id];
        if (t == TokenType.USER_DEFINED) return text.getBytes(StandardCharsets.UTF_8);
        if (t == TokenType.BYTE) {
            int b = byteOf(text);
            if (b >= 0) return new byte[] {(byte) b};
        }
        return normalBytes(text);
    }

    /** The bytes of a normal token's text. */
    byte[] normalBytes(String text) {
        return text.replace(SentencePieceBpe.SPACE, ' ').getBytes(StandardCharsets.UTF_8);
    }

    /** The byte a {@code <0xXX>} token stands for, or -1. */
    static int byteOf(String text) {
        if (text.length() == 6 && text.startsWith("<0x") && text.endsWith(">")) {
            try {
                return Integer.parseInt(text.substring(3, 5), 16);
            } catch (NumberFormatException e) {
                return -1;
            }
        }
        return -1;
    }

    @Override
    public String piece(int id) {
        if (!vocab.valid(id)) throw new IllegalArgumentException("token id " + id + " outside vocabulary of " + vocab.size());
        return vocab.tokens[id];
    }

    @Override
    public int vocabSize() {
        return vocab.size();
    }

    @Override
    public boolean addsBos() {
        return vocab.addBos;
    }

    @Override
    public int bos() {
        return vocab.bos;
    }

    @Override
    public int eos() {
        return vocab.eos;
    }

    @Override
    public String kind() {
        return kind;
    }

    @Override
    public Vocabulary vocabulary() {
        return vocab;
    }
}
