package dev.weightclass.distill;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weightclass.size.Architectures;
import dev.weightclass.size.Bytes;
import dev.weightclass.size.ModelConfig;
import dev.weightclass.size.ModelSpec;
import dev.weightclass.size.SizeEstimator;
import dev.weightclass.size.SizeReport;
import dev.weightclass.size.SizeVariant;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The student's size before any training: parameters, size class and the file at each precision,
 * computed by the same size classes {@code weightclass size} uses, from a config.json-style
 * description of the student.
 */
public final class StudentSize {
    private StudentSize() {}

    /** Precisions shown (those the architecture has; GGUF presets, else ONNX targets). */
    static final List<String> SHOWN = List.of("F32", "F16", "Q8_0", "Q4_K_M", "Q4_0", "fp32", "fp16", "int8", "int4");

    /** @param config Hugging Face config.json fields of the student ({@code model_type}, widths, layers...) */
    public static SizeReport of(ObjectNode config, String name) {
        ModelSpec spec = Architectures.fromConfig(ModelConfig.of(name, config), name);
        return SizeEstimator.estimate(spec, "config");
    }

    /** Refuses a student that is not smaller than its teacher (nothing would be gained by training it). */
    public static void requireSmaller(SizeReport student, long teacherParameters) {
        if (student.parameters() >= teacherParameters) {
            throw new dev.weightclass.WeightclassException(String.format(Locale.ROOT, "the student would not be smaller "
                    + "than the teacher (%,d parameters, the teacher has %,d): give fewer --layers, or a narrower --ffn or --dim",
                    student.parameters(), teacherParameters));
        }
    }

    /** Two lines: parameters against the teacher's, then the size per precision. */
    public static String describe(SizeReport student, long teacherParameters) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "  parameters  %,d = %s  (%.0f%% of the teacher's %,d)%n", student.parameters(),
                student.sizeClass(), 100.0 * student.parameters() / teacherParameters, teacherParameters));
        List<String> sizes = new ArrayList<>();
        boolean gguf = student.variants().stream().anyMatch(v -> v.format().equals("gguf") && v.available());
        for (String type : SHOWN) {
            student.variant(type, gguf ? "gguf" : "onnx").filter(SizeVariant::available)
                    .ifPresent(v -> sizes.add(type + " " + Bytes.human(v.bytes())));
        }
        sb.append("  size        ").append(String.join(", ", sizes)).append(gguf ? "  (GGUF file)" : "  (ONNX file)").append('\n');
        return sb.toString();
    }
}
