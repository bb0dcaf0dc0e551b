package dev.weightclass.runtime.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;

/**
 * GPT-2 style byte-level BPE: the pre-tokenizer splits text into words, each word's UTF-8 bytes
 * are written as printable characters (GPT-2's byte-to-unicode table), and the ranked merges
 * join adjacent symbols, lowest rank first, as llama.cpp's BPE tokenizer does.
 */
final class ByteLevelBpe extends VocabTokenizer {

    /** GPT-2's table: printable bytes map to themselves, the rest to U+0100 upwards. */
    static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[0x200];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
            BYTE_TO_CHAR[b] = printable ? (char) b : (char) (256 + n++);
            CHAR_TO_BYTE[BYTE_TO_CHAR[b]] = b;
        }
    }

    private final Map<String, Integer> ranks;
    private final PreTokenizer pre;
    private final boolean ignoreMerges;
    /** Ids of recent words: a word always gives the same ids, and text repeats its words. */
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();
    private static final int CACHE_WORDS = 1 << 16;

    /**
     * @param merges       "left right" strings, best (rank 0) first
     * @param ignoreMerges a word that is itself a token is taken whole (LLaMA-3 style vocabularies)
     */
    ByteLevelBpe(Vocabulary vocab, List<String> merges, PreTokenizer pre, boolean ignoreMerges, String kind) {
        super(vocab, kind);
        this.ranks = HashMap.newHashMap(merges.size());
        for (int i = 0; i < merges.size(); i++) {
            String m = merges.get(i);
            int sp = m.indexOf(' ', 1);
            String key = sp < 0 ? " " : m.substring(0, sp) + " " + m.substring(sp + 1);
            ranks.putIfAbsent(key, i);
        }
        this.pre = pre;
        this.ignoreMerges = ignoreMerges;
    }

    PreTokenizer preTokenizer() {
        return pre;
    }

    @Override
    void encodeFragments(String text, boolean addSpecial, IntList out) {
        if (addSpecial && vocab.addBos && vocab.bos >= 0) out.add(vocab.bos);
        for (Fragments.Fragment f : Fragments.split(text, vocab, parseSpecial)) {
            if (f.isToken()) {
                out.add(f.token());
                continue;
            }
            for (String word : pre.split(text.substring(f.start(), f.end()))) {
                int[] ids = cache.get(word);
                if (ids == null) {
                    IntList w = new IntList();
                    encodeWord(byteEncode(word), w);
                    ids = w.toArray();
                    if (cache.size() >= CACHE_WORDS) cache.clear();
                    cache.put(word, ids);
                }
                for (int id : ids) out.add(id);
            }
        }
        if (addSpecial && vocab.addEos && vocab.eos >= 0) out.add(vocab.eos);
    }

    static String byteEncode(String word) {
        byte[] bytes = word.getBytes(StandardCharsets.UTF_8);
        char[] c = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) c[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        return new String(c);
    }

    private record Bigram(int left, int right, int rank, int size) {}

    private void encodeWord(String word, IntList out) {
        int n = word.length();
        if (n == 0) return;
        if (ignoreMerges) {
            int id = vocab.id(word);
            if (id >= 0) {
                out.add(id);
                return;
            }
        }
        // one symbol per byte (every encoded char is one BMP char), as a linked list
        int[] len = new int[n], prev = new int[n], next = new int[n];
        for (int i = 0; i < n; i++) {
            len[i] = 1;
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        PriorityQueue<Bigram> queue = new PriorityQueue<>((a, b) -> a.rank != b.rank
                ? Integer.compare(a.rank, b.rank) : Integer.compare(a.left, b.left));
        for (int i = 1; i < n; i++) tryAdd(word, i - 1, i, len, queue);
        while (!queue.isEmpty()) {
            Bigram b = queue.poll();
            int l = b.left, r = b.right;
            // stale entry: the joined text is no longer what was ranked
            if (len[l] == 0 || len[r] == 0 || len[l] + len[r] != b.size) continue;
            len[l] += len[r];
            len[r] = 0;
            next[l] = next[r];
            if (next[r] >= 0) prev[next[r]] = l;
            if (prev[l] >= 0) tryAdd(word, prev[l], l, len, queue);
            if (next[l] >= 0) tryAdd(word, l, next[l], len, queue);
        }
        for (int i = 0; i != -1; i = next[i]) {
            int id = vocab.index.id(word, i, i + len[i]);
            if (id >= 0) {
                out.add(id);
                continue;
            }
            String piece = word.substring(i, i + len[i]);
            // not a token: single characters that are tokens, the rest dropped (llama.cpp)
            for (int k = 0; k < piece.length(); k++) {
                char ch = piece.charAt(k);
                int t = ch < 0x80 ? vocab.id(String.valueOf(ch)) : -1;
                if (t >= 0) out.add(t);
            }
        }
    }

    private void tryAdd(String word, int l, int r, int[] len, PriorityQueue<Bigram> queue) {
        Integer rank = ranks.get(word.substring(l, l + len[l]) + " " + word.substring(r, r + len[r]));
        if (rank != null) queue.add(new Bigram(l, r, rank, len[l] + len[r]));
    }

    @Override
    byte[] normalBytes(String text) {
        byte[] out = new byte[text.length() * 3];
        int n = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            int b = cp < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[cp] : -1;
            if (b >= 0) {
                out[n++] = (byte) b;
            } else {
                byte[] u = Character.toString(cp).getBytes(StandardCharsets.UTF_8);
                System.arraycopy(u, 0, out, n, u.length);
                n += u.length;
            }
        }
        return java.util.Arrays.copyOf(out, n);
    }
}
