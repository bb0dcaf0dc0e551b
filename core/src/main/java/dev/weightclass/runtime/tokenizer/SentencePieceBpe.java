package dev.weightclass.runtime.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.PriorityQueue;

/**
 * SentencePiece BPE with byte fallback (LLaMA, Phi-3, llama2.c vocabularies), following
 * llama.cpp's SPM tokenizer: spaces become U+2581, a space is put in front of the text (and
 * after every special token) when the vocabulary asks for it, then the adjacent pair whose
 * joined text is the highest-scoring token is merged until no pair is a token. Pieces that are
 * not tokens fall back to {@code <0xXX>} byte tokens.
 */
final class SentencePieceBpe extends VocabTokenizer {
    static final char SPACE = '\u2581';

    private final boolean addSpacePrefix;
    private final int[] byteTokens = new int[256];
    /** No token has a U+2581 right after another character, so no merge crosses a word start. */
    private final boolean wordsAreIndependent;

    SentencePieceBpe(Vocabulary vocab, boolean addSpacePrefix, String kind) {
        super(vocab, kind);
        this.addSpacePrefix = addSpacePrefix;
        for (int b = 0; b < 256; b++) {
            int id = vocab.id(String.format("<0x%02X>", b));
            if (id < 0 && b < 0x80) id = vocab.id(String.valueOf((char) b));
            byteTokens[b] = id;
        }
        boolean independent = true;
        for (String t : vocab.tokens) {
            for (int i = 1; i < t.length() && independent; i++) {
                if (t.charAt(i) == SPACE && t.charAt(i - 1) != SPACE) independent = false;
            }
        }
        this.wordsAreIndependent = independent;
    }

    @Override
    boolean stripsLeadingSpace() {
        return addSpacePrefix;
    }

    @Override
    void encodeFragments(String text, boolean addSpecial, IntList out) {
        if (addSpecial && vocab.addBos && vocab.bos >= 0) out.add(vocab.bos);
        boolean prevSpecial = true;
        for (Fragments.Fragment f : Fragments.split(text, vocab, parseSpecial)) {
            if (f.isToken()) {
                out.add(f.token());
                prevSpecial = true;
                continue;
            }
            String raw = text.substring(f.start(), f.end());
            if (addSpacePrefix && prevSpecial) raw = " " + raw;
            encodeText(raw.replace(' ', SPACE), out);
            prevSpecial = false;
        }
        if (addSpecial && vocab.addEos && vocab.eos >= 0) out.add(vocab.eos);
    }

    private record Bigram(int left, int right, float score, int size) {}

    /**
     * Merges one whitespace-escaped fragment. When no token can span a word start (a U+2581
     * after another character) each word merges on its own, which gives the same result as
     * merging the whole fragment at once but keeps the work queue small.
     */
    private void encodeText(String text, IntList out) {
        if (!wordsAreIndependent) {
            encodeRange(text, 0, text.length(), out);
            return;
        }
        int from = 0;
        for (int i = 1; i < text.length(); i++) {
            if (text.charAt(i) == SPACE && text.charAt(i - 1) != SPACE) {
                encodeRange(text, from, i, out);
                from = i;
            }
        }
        encodeRange(text, from, text.length(), out);
    }

    /** Merges chars [from, to). Symbols are code points, kept as a linked list. */
    private void encodeRange(String text, int from, int to, IntList out) {
        int n = text.codePointCount(from, to);
        int[] start = new int[n], len = new int[n], prev = new int[n], next = new int[n];
        for (int i = 0, off = from; i < n; i++) {
            int c = Character.charCount(text.codePointAt(off));
            start[i] = off;
            len[i] = c;
            off += c;
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        // best score first; on equal scores the leftmost pair first
        PriorityQueue<Bigram> queue = new PriorityQueue<>((a, b) -> a.score != b.score
                ? Float.compare(b.score, a.score) : Integer.compare(a.left, b.left));
        for (int i = 1; i < n; i++) tryAdd(text, i - 1, i, start, len, queue);
        while (!queue.isEmpty()) {
            Bigram b = queue.poll();
            int l = b.left, r = b.right;
            // stale entry: one side was merged away or grew since the pair was queued
            if (len[l] == 0 || len[r] == 0 || len[l] + len[r] != b.size) continue;
            len[l] += len[r];
            len[r] = 0;
            next[l] = next[r];
            if (next[r] >= 0) prev[next[r]] = l;
            if (prev[l] >= 0) tryAdd(text, prev[l], l, start, len, queue);
            if (next[l] >= 0) tryAdd(text, l, next[l], start, len, queue);
        }
        for (int i = n == 0 ? -1 : 0; i != -1; i = next[i]) {
            int id = vocab.index.id(text, start[i], start[i] + len[i]);
            if (id >= 0) {
                out.add(id);
            } else {
                for (byte b : text.substring(start[i], start[i] + len[i]).getBytes(StandardCharsets.UTF_8)) {
                    int t = byteTokens[b & 0xFF];
                    if (t >= 0) out.add(t);
                    else if (vocab.unk >= 0) out.add(vocab.unk);
                }
            }
        }
    }

    private void tryAdd(String text, int l, int r, int[] start, int[] len, PriorityQueue<Bigram> queue) {
        int size = len[l] + len[r];
        int id = vocab.index.id(text, start[l], start[l] + size);
        if (id < 0) return;
        queue.add(new Bigram(l, r, vocab.scores[id], size));
    }
}
