package dev.weightclass.cli;

import dev.weightclass.WeightclassException;
import dev.weightclass.format.ModelFile;
import dev.weightclass.format.onnx.OnnxFile;
import dev.weightclass.quant.QuantPreset;
import dev.weightclass.quant.onnx.OnnxQuantType;
import dev.weightclass.quant.onnx.OnnxQuantizer;
import dev.weightclass.size.Bytes;

import me.tongfei.progressbar.ProgressBar;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** The ONNX side of {@code quantize}: int8 and int4. */
final class OnnxQuantize {
    private OnnxQuantize() {}

    /** A GGUF type or preset; an unknown name lists the ONNX types too. */
    static QuantPreset ggufPreset(String type) {
        try {
            return QuantPreset.parse(type);
        } catch (WeightclassException e) {
            throw new WeightclassException(e.getMessage() + "; for ONNX models: " + OnnxQuantType.names());
        }
    }

    static void checkNoGgufOptions(boolean any) {
        if (any) {
            throw new WeightclassException("--pure, --tensor-type, --output-tensor-type, --token-embedding-type,"
                    + " --leave-output-tensor and --allow-requantize apply to GGUF types only");
        }
    }

    static int run(Path input, Path output, OnnxQuantizer.Options options, boolean dryRun, int threads, PrintWriter out)
            throws IOException {
        String type = options.type().label();
        try (ModelFile m = ModelFile.open(input)) {
            if (!(m instanceof OnnxFile onnx)) {
                throw new WeightclassException(input + ": --type " + type + " quantizes ONNX models; this is " + m.format());
            }
            long inputBytes = m.fileBytes();
            long t0 = System.nanoTime();
            OnnxQuantizer.Plan plan;
            if (dryRun) {
                plan = OnnxQuantizer.plan(onnx, options);
            } else {
                try (ProgressBar bar = ProgressBars.bytes("quantize " + type, OnnxQuantizer.plan(onnx, options).inputBytes(), false)) {
                    plan = OnnxQuantizer.quantize(onnx, output, options, threads, bar == null ? null : bar::stepBy);
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (dryRun) {
                for (OnnxQuantizer.Decision d : plan.decisions()) {
                    out.printf(Locale.ROOT, "%-48s %-9s [%d, %d] %,14d -> %,12d%n", d.name(), d.kind(), d.k(), d.n(),
                            d.bytesBefore(), d.bytesAfter());
                }
            }
            for (String k : plan.kept()) out.println("kept float: " + k);
            long size = dryRun ? plan.fileBytes() : Files.size(output);
            out.printf(Locale.ROOT, "%s %s: %,d bytes (%s) as %s, %d weights quantized; input %,d bytes%s%n",
                    dryRun ? "would write" : "wrote", output, size, Bytes.human(size), type, plan.decisions().size(),
                    inputBytes, dryRun ? "" : String.format(Locale.ROOT, ", %.2f s (%.0f MB/s of input, %d threads)", seconds,
                            inputBytes / seconds / 1e6, threads));
            out.flush();
        }
        return 0;
    }
}
