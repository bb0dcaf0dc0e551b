package dev.weightclass.runtime.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A tokenizer's vocabulary: token texts with scores and types, the special token ids and the
 * flags that say what {@code encode(text, true)} adds. Token ids are indices into the arrays.
 */
public final class Vocabulary {
    final String[] tokens;
    final float[] scores;
    final TokenType[] types;
    final Map<String, Integer> ids;
    /** The same lookup for a range of chars. */
    final TokenIndex index;
    /** Longest token in UTF-8 bytes. */
    final int maxTokenBytes;

    int bos = -1, eos = -1, unk = -1, sep = -1, pad = -1;
    boolean addBos, addEos, addSep;
    /** Special tokens that swallow the whitespace on their left / right when split out of text. */
    final BitSet lstrip = new BitSet(), rstrip = new BitSet();

    private List<Integer> specialsByLength;

    Vocabulary(String[] tokens, float[] scores, TokenType[] types) {
        if (scores.length != tokens.length || types.length != tokens.length)
            throw new IllegalArgumentException("tokens, scores and types differ in length");
        this.tokens = tokens;
        this.scores = scores;
        this.types = types;
        this.ids = HashMap.newHashMap(tokens.length);
        int max = 0;
        for (int i = 0; i < tokens.length; i++) {
            // the first of duplicate texts wins the lookup, like a vocabulary built in id order
            ids.putIfAbsent(tokens[i], i);
            max = Math.max(max, tokens[i].getBytes(StandardCharsets.UTF_8).length);
        }
        this.maxTokenBytes = max;
        this.index = new TokenIndex(tokens);
    }

    public int size() {
        return tokens.length;
    }

    public String text(int id) {
        return tokens[id];
    }

    public float score(int id) {
        return scores[id];
    }

    public TokenType type(int id) {
        return types[id];
    }

    /** The id of a token text, or -1. */
    public int id(String text) {
        Integer id = ids.get(text);
        return id == null ? -1 : id;
    }

    boolean valid(int id) {
        return id >= 0 && id < tokens.length;
    }

    /**
     * Control, user-defined and unknown tokens, longest text first: the tokens that are split out
     * of raw text before the tokenizer model runs (llama.cpp's special-token partition).
     */
    synchronized List<Integer> specialsByLength() {
        if (specialsByLength == null) {
            List<Integer> list = new ArrayList<>();
            for (int i = 0; i < tokens.length; i++) {
                TokenType t = types[i];
                if (t == TokenType.CONTROL || t == TokenType.USER_DEFINED || t == TokenType.UNKNOWN) list.add(i);
            }
            list.sort(Comparator.comparingInt((Integer i) -> tokens[i].getBytes(StandardCharsets.UTF_8).length)
                    .reversed());
            specialsByLength = List.copyOf(list);
        }
        return specialsByLength;
    }
}
