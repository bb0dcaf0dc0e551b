package dev.weightclass.distill.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.weightclass.distill.train.Loss;
import dev.weightclass.distill.train.Param;
import dev.weightclass.distill.train.Student;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A llama student and its loss: alpha * T^2 * KL(teacher_T || student_T) + (1 - alpha) * CE, the
 * teacher's side from the top-k cache in the batch, or from the teacher run on the batch when
 * there is no cache, or absent when alpha is 0.
 */
final class DecoderStudent implements Student<DecoderBatch> {
    private final TorchLlama model;
    private final TorchLlama teacher; // null unless the teacher runs on the fly
    private final double alpha, temperature;
    private final Exporter exporter;

    /** Writes the trained model in the teacher's format family. */
    @FunctionalInterface
    interface Exporter {
        void write(Path out, TorchLlama model) throws IOException;
    }

    DecoderStudent(TorchLlama model, TorchLlama onTheFlyTeacher, double alpha, double temperature, Exporter exporter) {
        this.model = model;
        this.teacher = onTheFlyTeacher;
        this.alpha = alpha;
        this.temperature = temperature;
        this.exporter = exporter;
    }

    TorchLlama model() { return model; }

    @Override
    public List<Param> parameters() { return model.parameters(); }

    @Override
    public Loss loss(DecoderBatch b, NDManager m) {
        NDArray logits = model.forward(b.inputs(), m);
        long v = logits.getShape().get(2);
        NDArray flat = logits.reshape(-1, v);
        NDArray ce = Losses.crossEntropy(flat, b.targets(), b.mask());
        Map<String, NDArray> parts = new LinkedHashMap<>();
        parts.put("ce", ce);
        NDArray kl = null;
        if (alpha > 0) {
            if (b.topLogp() != null) {
                kl = Losses.klTopK(b.topLogp(), b.topIds(), flat, b.mask(), temperature);
            } else {
                for (NDArray a : teacher.arrays()) a.tempAttach(m);
                NDArray t = teacher.forward(b.inputs(), m).reshape(-1, v).stopGradient();
                kl = Losses.klFull(t, flat, b.mask(), temperature);
            }
            parts.put("kl", kl);
        }
        return new Loss(Losses.combine(kl, ce, alpha, temperature), parts);
    }

    @Override
    public long size(DecoderBatch b) { return b.tokens(); }

    @Override
    public void export(Path out) throws IOException {
        exporter.write(out, model);
    }
}
