package dev.weightclass.distill.decoder;

import dev.weightclass.WeightclassException;
import dev.weightclass.format.gguf.GgufValue;
import dev.weightclass.format.gguf.GgufValueType;
import dev.weightclass.runtime.tokenizer.TokenType;
import dev.weightclass.runtime.tokenizer.Tokenizer;
import dev.weightclass.runtime.tokenizer.Tokenizers;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A smaller vocabulary for the student that tokenizes the training texts exactly as the teacher
 * does. It keeps the tokens the data uses plus everything the tokenizer needs to reach them:
 * <ul>
 * <li>SentencePiece BPE ("llama"): every token an intermediate merge produces on the way to a kept
 * token (a final token's merges happen inside its own span, so merging its text alone replays
 * them) and the single characters it starts from, all byte-fallback {@code <0xNN>} tokens (so any text still encodes), and control,
 * user-defined and unknown tokens.</li>
 * <li>Byte-level BPE ("gpt2"): the same merge closure under merge ranks, the 256 byte tokens, the
 * special tokens; the merge list keeps the merges whose result is kept, in their order.</li>
 * </ul>
 * Why that suffices: the student's merge candidates are the teacher's restricted to kept results,
 * and every merge the teacher performs has a kept result, so at each step the teacher's choice is
 * also the student's. {@link #checkAgreement} verifies it on the actual texts all the same.
 * Token ids are renumbered in the teacher's order: student id i is teacher id {@code keep[i]}.
 */
public final class VocabSubset {
    private static final String P = "tokenizer.ggml.";
    /** Special-id keys and the defaults llama.cpp assumes when a file leaves them out. */
    private static final List<String> ID_KEYS = List.of("bos_token_id", "eos_token_id", "unknown_token_id",
            "seperator_token_id", "padding_token_id", "cls_token_id", "mask_token_id");

    /** Student id -> teacher id, ascending. */
    public final int[] keep;
    /** Teacher id -> student id, -1 when dropped. */
    public final int[] toStudent;
    /** The student's tokenizer as GGUF keys (tokens, scores, types, merges, special ids). */
    public final Map<String, GgufValue> keys;
    /** Tokens the data itself uses (the rest of {@link #keep} is what the tokenizer needs to reach them). */
    public final int used;

    private VocabSubset(int[] keep, int teacherSize, Map<String, GgufValue> keys, int used) {
        this.keep = keep;
        this.toStudent = new int[teacherSize];
        java.util.Arrays.fill(toStudent, -1);
        for (int i = 0; i < keep.length; i++) toStudent[keep[i]] = i;
        this.keys = keys;
        this.used = used;
    }

    public int size() { return keep.length; }

    /** The student's tokenizer, built from {@link #keys} as the runtime builds it from the exported file. */
    public Tokenizer tokenizer(String source) {
        return Tokenizers.fromGgufKeys(keys, source);
    }

    /** Teacher ids as student ids; every id must be kept. */
    public int[] remap(int[] teacherIds) {
        int[] out = new int[teacherIds.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = toStudent[teacherIds[i]];
            if (out[i] < 0) throw new IllegalStateException("token " + teacherIds[i] + " is not in the student's vocabulary");
        }
        return out;
    }

    public List<int[]> remap(List<int[]> seqs) {
        return seqs.stream().map(this::remap).toList();
    }

    /**
     * The vocabulary for {@code --vocab}: the closure of the used tokens, then (when {@code target}
     * is larger) further teacher tokens in id order, each with its own closure, while they fit.
     *
     * @param target the wanted size, or 0 for the closure alone ({@code --vocab auto})
     */
    public static VocabSubset choose(Map<String, GgufValue> teacherKeys, BitSet used, int target) {
        Closure c = new Closure(teacherKeys);
        BitSet keep = c.required();
        for (int id = used.nextSetBit(0); id >= 0; id = used.nextSetBit(id + 1)) c.add(id, keep);
        int needed = keep.cardinality();
        if (target > 0 && needed > target) {
            throw new WeightclassException("mismatched tokenizers: --vocab " + target + " is smaller than the " + needed
                    + " tokens needed to tokenize the data as the teacher does (" + used.cardinality() + " used, "
                    + (needed - used.cardinality()) + " more the tokenizer needs to reach them: merge steps, byte and "
                    + "special tokens); use --vocab " + needed + " or more, or --vocab auto");
        }
        for (int id = 0; target > 0 && id < c.size && keep.cardinality() < target; id++) {
            if (keep.get(id) || c.types[id] == TokenType.UNUSED) continue;
            BitSet more = (BitSet) keep.clone();
            c.add(id, more);
            if (more.cardinality() <= target) keep = more;
        }
        return of(teacherKeys, keep, used.cardinality());
    }

    /** Exactly the tokens {@code keep} (no closure): the subset's keys and id maps. */
    public static VocabSubset of(Map<String, GgufValue> teacherKeys, BitSet keep, int used) {
        Closure c = new Closure(teacherKeys);
        int[] ids = keep.stream().toArray();
        Map<String, GgufValue> out = new LinkedHashMap<>();
        int[] toStudent = new int[c.size];
        java.util.Arrays.fill(toStudent, -1);
        for (int i = 0; i < ids.length; i++) toStudent[ids[i]] = i;
        for (Map.Entry<String, GgufValue> e : teacherKeys.entrySet()) {
            String k = e.getKey();
            GgufValue v = e.getValue();
            if (k.equals(P + "tokens") || k.equals(P + "scores") || k.equals(P + "token_type")) {
                List<?> l = v.asList();
                List<Object> sub = new ArrayList<>(ids.length);
                for (int id : ids) sub.add(l.get(id));
                v = GgufValue.array(v.elementType(), sub);
            } else if (k.equals(P + "merges")) {
                List<String> sub = new ArrayList<>();
                for (Object m : v.plain() instanceof List<?> l ? l : List.of()) {
                    String s = String.valueOf(m);
                    Integer id = c.ids.get(c.join(s));
                    if (id != null && keep.get(id)) sub.add(s);
                }
                v = GgufValue.array(GgufValueType.STRING, sub);
            } else if (k.startsWith(P) && ID_KEYS.contains(k.substring(P.length()))) {
                continue; // written below, remapped
            }
            out.put(k, v);
        }
        c.specialIds().forEach((key, id) -> {
            if (toStudent[id] >= 0) out.put(P + key, GgufValue.u32(toStudent[id]));
        });
        return new VocabSubset(ids, c.size, out, used);
    }

    /**
     * Checks that the student's tokenizer gives every text the teacher's pieces; throws one line
     * naming the first text and byte offset where they differ.
     *
     * @param labels what each text is, for the message ("--data document 3")
     */
    public void checkAgreement(Tokenizer teacher, Tokenizer student, List<String> texts, List<String> labels) {
        for (int t = 0; t < texts.size(); t++) {
            int[] a = teacher.encode(texts.get(t), false);
            int[] b = student.encode(texts.get(t), false);
            int n = Math.min(a.length, b.length), i = 0;
            while (i < n && keep[b[i]] == a[i]) i++;
            if (i == a.length && i == b.length) continue;
            long offset = 0;
            for (int j = 0; j < i; j++) offset += teacher.tokenBytes(a[j]).length;
            throw new WeightclassException("mismatched tokenizers: the student's " + keep.length + "-token vocabulary "
                    + "tokenizes " + labels.get(t) + " differently from the teacher near byte " + offset + ": teacher '"
                    + (i < a.length ? teacher.piece(a[i]) : "(end)") + "', student '"
                    + (i < b.length ? student.piece(b[i]) : "(end)") + "'");
        }
    }

    /** The merge closure over the teacher's vocabulary (GGUF keys). */
    static final class Closure {
        final String model;
        final int size;
        final String[] text;
        final float[] scores;
        final TokenType[] types;
        final Map<String, Integer> ids = new HashMap<>();
        final Map<String, Integer> ranks = new HashMap<>();
        final Map<String, GgufValue> keys;

        Closure(Map<String, GgufValue> keys) {
            this.keys = keys;
            GgufValue m = keys.get(P + "model"), tokens = keys.get(P + "tokens");
            if (m == null || tokens == null) throw new WeightclassException("--vocab: the teacher has no tokenizer vocabulary");
            model = m.asString();
            if (!model.equals("llama") && !model.equals("gpt2")) {
                throw new WeightclassException("--vocab: a " + model + " tokenizer cannot be reduced (SentencePiece and "
                        + "byte-level BPE only)");
            }
            List<?> tl = tokens.plain() instanceof List<?> l ? l : List.of();
            size = tl.size();
            text = new String[size];
            scores = new float[size];
            types = new TokenType[size];
            List<?> sl = keys.containsKey(P + "scores") ? (List<?>) keys.get(P + "scores").plain() : null;
            List<?> yl = keys.containsKey(P + "token_type") ? (List<?>) keys.get(P + "token_type").plain() : null;
            for (int i = 0; i < size; i++) {
                text[i] = String.valueOf(tl.get(i));
                scores[i] = sl == null ? 0f : ((Number) sl.get(i)).floatValue();
                types[i] = yl == null ? TokenType.NORMAL : TokenType.ofCode(((Number) yl.get(i)).longValue());
                ids.putIfAbsent(text[i], i);
            }
            if (keys.get(P + "merges") != null && keys.get(P + "merges").plain() instanceof List<?> ml) {
                for (int r = 0; r < ml.size(); r++) ranks.putIfAbsent(String.valueOf(ml.get(r)), r);
            }
        }

        /** "a b" -> "ab". */
        String join(String merge) {
            int sp = merge.indexOf(' ', 1);
            return sp < 0 ? merge : merge.substring(0, sp) + merge.substring(sp + 1);
        }

        /** The effective special ids (the file's, else llama.cpp's defaults for the tokenizer model). */
        Map<String, Integer> specialIds() {
            Map<String, Integer> out = new LinkedHashMap<>();
            if (model.equals("llama")) {
                out.put("unknown_token_id", 0);
                out.put("bos_token_id", 1);
                out.put("eos_token_id", 2);
            } else {
                out.put("bos_token_id", 11);
                out.put("eos_token_id", 11);
            }
            out.values().removeIf(id -> id >= size);
            for (String k : ID_KEYS) {
                GgufValue v = keys.get(P + k);
                if (v != null && !v.isArray() && v.asLong() >= 0 && v.asLong() < size) out.put(k, (int) v.asLong());
            }
            return out;
        }

        /** Tokens every student keeps: special ids, control / user-defined / unknown tokens, byte tokens. */
        BitSet required() {
            BitSet keep = new BitSet(size);
            specialIds().values().forEach(keep::set);
            for (int i = 0; i < size; i++) {
                TokenType t = types[i];
                if (t == TokenType.CONTROL || t == TokenType.USER_DEFINED || t == TokenType.UNKNOWN || t == TokenType.BYTE) {
                    keep.set(i);
                }
            }
            if (model.equals("gpt2")) {
                for (int b = 0; b < 256; b++) {
                    Integer id = ids.get(Tokenizers.byteLevelPiece(b));
                    if (id != null) keep.set(id);
                }
            }
            return keep;
        }

        /** Adds {@code id} and every token its merges pass through. */
        void add(int id, BitSet keep) {
            keep.set(id);
            if (types[id] != TokenType.NORMAL && types[id] != TokenType.UNDEFINED) return;
            // symbols: code points (SentencePiece) or byte chars (byte-level, all in the BMP)
            List<String> sym = new ArrayList<>();
            text[id].codePoints().forEach(cp -> sym.add(Character.toString(cp)));
            // the single characters too: a BPE file (tokenizer.json) needs its merges' parts in the vocabulary
            for (String ch : sym) {
                Integer t = ids.get(ch);
                if (t != null) keep.set(t);
            }
            boolean spm = model.equals("llama");
            while (sym.size() > 1) {
                int best = -1;
                double bestKey = Double.NEGATIVE_INFINITY;
                for (int i = 0; i + 1 < sym.size(); i++) {
                    String joined = sym.get(i) + sym.get(i + 1);
                    double key;
                    if (spm) {
                        Integer t = ids.get(joined);
                        if (t == null) continue;
                        key = scores[t];
                    } else {
                        Integer r = ranks.get(sym.get(i) + " " + sym.get(i + 1));
                        if (r == null) continue;
                        key = -r;
                    }
                    if (key > bestKey) { // strict: the leftmost of equals wins, as in the tokenizers
                        bestKey = key;
                        best = i;
                    }
                }
                if (best < 0) break;
                String joined = sym.get(best) + sym.remove(best + 1);
                sym.set(best, joined);
                Integer t = ids.get(joined);
                if (t != null) keep.set(t);
            }
        }
    }
}
