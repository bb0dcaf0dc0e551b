package dev.weightclass.runtime.tokenizer;

import dev.weightclass.WeightclassException;

import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The pre-tokenizers that GGUF names in {@code tokenizer.ggml.pre}, as llama.cpp defines them:
 * the regexes applied in turn, and whether whole words that are tokens skip the merges.
 */
final class BpePresets {
    private BpePresets() {}

    record Preset(List<String> regexes, boolean ignoreMerges, boolean addBos) {}

    private static final String GPT2 = PreTokenizer.GPT2;
    private static final String LLAMA3 = PreTokenizer.LLAMA3;
    private static final String CONTRACTIONS = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])";
    private static final String QWEN2 = CONTRACTIONS + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String QWEN35 = CONTRACTIONS + "|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{M}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String CJK = "[一-龥ࠀ-一가-퟿]+";
    /** Cased letters of many scripts, spelled out (DeepSeek's tokenizer.json does so). */
    private static final String DEEPSEEK_LETTERS = "\\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-ώᾀ-ᾴᾶ-ᾼιῂ-ῄῆ-ῌῐ-ΐῖ-Ίῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤΩℨK-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+";
    private static final String DEEPSEEK3 = "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+"
            + "|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+";
    private static final String BLOOM = " ?[^(\\s|.,!?…。，、।۔،)]+";
    private static final String UPPER_LOWER =
            "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+%1$s"
            + "|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*%1$s"
            + "|%2$s| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String TEKKEN = String.format(UPPER_LOWER, "", "\\p{N}");
    private static final String GPT4O = String.format(UPPER_LOWER, CONTRACTIONS + "?", "\\p{N}{1,3}");

    private static Preset p(boolean ignoreMerges, boolean addBos, String... regexes) {
        return new Preset(List.of(regexes), ignoreMerges, addBos);
    }

    private static final Preset DEFAULT = p(false, false,
            "[\\p{P}\\$\\+<=>\\^~\\|]+", GPT2, "\\p{N}+", "[0-9][0-9][0-9]");

    private static final Map<String, Preset> BY_NAME = Map.ofEntries(
            Map.entry("default", DEFAULT),
            Map.entry("gpt-2", p(false, false, GPT2)),
            Map.entry("phi-2", p(false, false, GPT2)),
            Map.entry("mpt", p(false, false, GPT2)),
            Map.entry("olmo", p(false, false, GPT2)),
            Map.entry("jais", p(false, false, GPT2)),
            Map.entry("trillion", p(false, false, GPT2)),
            Map.entry("granite-docling", p(false, false, GPT2)),
            Map.entry("roberta-bpe", p(false, false, GPT2)),
            Map.entry("llama3", p(true, true, LLAMA3)),
            Map.entry("llama-v3", p(true, true, LLAMA3)),
            Map.entry("llama-bpe", p(true, true, LLAMA3)),
            Map.entry("falcon3", p(true, true, LLAMA3)),
            Map.entry("pixtral", p(true, true, LLAMA3)),
            Map.entry("dbrx", p(false, false, LLAMA3)),
            Map.entry("smaug-bpe", p(false, false, LLAMA3)),
            Map.entry("chatglm-bpe", p(false, false, LLAMA3)),
            Map.entry("glm4", p(false, false, LLAMA3)),
            Map.entry("qwen2", p(false, false, QWEN2)),
            Map.entry("deepseek-r1-qwen", p(false, false, QWEN2)),
            Map.entry("stablelm2", p(false, false, QWEN2)),
            Map.entry("hunyuan", p(false, false, QWEN2)),
            Map.entry("megrez", p(false, false, QWEN2)),
            Map.entry("qwen35", p(false, false, QWEN35)),
            Map.entry("deepseek-llm", p(false, false, "[\r\n]", DEEPSEEK_LETTERS,
                    "\\s?[!-/:-~！-／：-～‘-‟　-。]+", "\\s+$", CJK, "\\p{N}+")),
            Map.entry("deepseek-coder", p(false, false, "[\r\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", CJK, "\\p{N}")),
            Map.entry("deepseek-v3", p(false, false, "\\p{N}{1,3}", "[一-龥぀-ゟ゠-ヿ]+", DEEPSEEK3)),
            Map.entry("hunyuan-dense", p(false, false, "\\p{N}{1,3}", "[一-龥぀-ゟ゠-ヿ]+", DEEPSEEK3)),
            Map.entry("falcon", p(false, false, "[\\p{P}\\$\\+<=>\\^~\\|`]+", GPT2, "[0-9][0-9][0-9]")),
            Map.entry("starcoder", p(false, false, "\\p{N}", GPT2)),
            Map.entry("refact", p(false, false, "\\p{N}", GPT2)),
            Map.entry("command-r", p(false, false, "\\p{N}", GPT2)),
            Map.entry("smollm", p(false, false, "\\p{N}", GPT2)),
            Map.entry("codeshell", p(false, false, "\\p{N}", GPT2)),
            Map.entry("exaone", p(false, false, "\\p{N}", GPT2)),
            Map.entry("minerva-7b", p(false, false, "\\p{N}", GPT2)),
            Map.entry("bloom", p(false, false, BLOOM)),
            Map.entry("poro-chat", p(false, false, BLOOM)),
            Map.entry("gpt3-finnish", p(false, false, BLOOM)),
            Map.entry("viking", p(false, false, BLOOM, "\\p{N}")),
            Map.entry("tekken", p(true, true, TEKKEN)),
            Map.entry("gpt-4o", p(false, false, GPT4O)),
            Map.entry("llama4", p(false, false, GPT4O)),
            Map.entry("seed-coder", p(false, false, CONTRACTIONS + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1}"
                    + "| ?[^\\s\\p{L}\\p{N}\\r\\n]+|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")),
            Map.entry("grok-2", p(false, false, QWEN2)),
            Map.entry("bailingmoe", p(false, false, "'(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])"
                    + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+")));

    /** The preset for a {@code tokenizer.ggml.pre} value; null or empty means "default". */
    static Preset forName(String pre) {
        if (pre == null || pre.isEmpty()) return DEFAULT;
        Preset p = BY_NAME.get(pre);
        if (p == null) {
            throw new WeightclassException("unknown pre-tokenizer '" + pre + "' (tokenizer.ggml.pre); known: "
                    + String.join(", ", new TreeSet<>(BY_NAME.keySet())));
        }
        return p;
    }
}
