package dev.weightclass.runtime.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * BERT WordPiece as llama.cpp runs GGUF "bert" vocabularies: word-start pieces carry U+2581
 * (HF's {@code ##} continuation prefix was dropped by the converter). Text is lowercased and
 * stripped of accents as the vocabulary says, split at whitespace, punctuation, ASCII symbols
 * and CJK ideographs; each word is then matched greedily, longest piece first, and a word that
 * cannot be covered becomes {@code [UNK]}. With special tokens: {@code [CLS] ... [SEP]}.
 */
final class WordPiece extends VocabTokenizer {
    private final boolean lowercase, stripAccents;

    WordPiece(Vocabulary vocab, boolean lowercase, boolean stripAccents) {
        super(vocab, "bert");
        this.lowercase = lowercase;
        this.stripAccents = stripAccents;
    }

    @Override
    boolean stripsLeadingSpace() {
        return true;
    }

    @Override
    void encodeFragments(String text, boolean addSpecial, IntList out) {
        if (addSpecial && vocab.bos >= 0) out.add(vocab.bos);
        for (Fragments.Fragment f : Fragments.split(text, vocab, parseSpecial)) {
            if (f.isToken()) out.add(f.token());
            else for (String w : words(text.substring(f.start(), f.end()))) encodeWord(w, out);
        }
        if (addSpecial && vocab.sep >= 0) out.add(vocab.sep);
    }

    List<String> words(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (stripAccents) cp = Unicode.nfdFirst(cp);
            int f = Unicode.flags(cp);
            if ((f & Unicode.WHITESPACE) != 0) {
                flush(word, words);
                continue;
            }
            if (cp == 0 || cp == 0xFFFD || (f & Unicode.CONTROL) != 0) continue;
            if (stripAccents && (f & Unicode.ACCENT_MARK) != 0) continue;
            int c = lowercase ? Unicode.toLower(cp) : cp;
            if ((f & Unicode.PUNCTUATION) != 0 || (cp < 0x7F && (f & Unicode.SYMBOL) != 0) || isChinese(cp)) {
                flush(word, words);
                words.add(Character.toString(c));
            } else {
                word.appendCodePoint(c);
            }
        }
        flush(word, words);
        return words;
    }

    private static void flush(StringBuilder word, List<String> words) {
        if (!word.isEmpty()) words.add(word.toString());
        word.setLength(0);
    }

    /** CJK ideograph blocks as BERT defines them (including its 0x2B920 quirk). */
    static boolean isChinese(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF)
                || (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F)
                || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }

    private void encodeWord(String word, IntList out) {
        String w = SentencePieceBpe.SPACE + word;
        int n = w.length();
        // UTF-8 bytes before each char index: pieces are limited by the longest token in bytes
        int[] bytesAt = new int[n + 1];
        for (int i = 0; i < n; i++) {
            char c = w.charAt(i);
            int b = c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isHighSurrogate(c) ? 4 : Character.isLowSurrogate(c) ? 0 : 3;
            bytesAt[i + 1] = bytesAt[i] + b;
        }
        int mark = out.size();
        int i = 0;
        while (i < n) {
            int j = n;
            while (j > i && bytesAt[j] - bytesAt[i] > vocab.maxTokenBytes) j--;
            int found = -1;
            for (; j > i; j--) {
                if (j < n && Character.isLowSurrogate(w.charAt(j))) continue; // inside a code point
                found = vocab.id(w.substring(i, j));
                if (found >= 0) break;
            }
            if (found < 0) {
                out.truncate(mark); // one piece missing: the whole word is unknown
                break;
            }
            out.add(found);
            i = j;
        }
        if (out.size() == mark && vocab.unk >= 0) out.add(vocab.unk);
    }
}
