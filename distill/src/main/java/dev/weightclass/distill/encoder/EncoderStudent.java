package dev.weightclass.distill.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.weightclass.distill.train.Loss;
import dev.weightclass.distill.train.Param;
import dev.weightclass.distill.train.Student;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A BERT student learning the teacher's sentence embeddings: {@link DjlBert} mean-pooled, compared
 * with {@link EmbeddingMse} (through its projection when the widths differ). Every tensor is
 * trained except the token embedding table, which the student keeps as the teacher's: it is two
 * thirds of a MiniLM student's parameters, its optimizer update cost more than the rest of a step,
 * and unchanged it stays identical to the teacher's table (shareable, deduplicable). AdamW's
 * weight decay applies to the matrices, not to biases and LayerNorms.
 */
public final class EncoderStudent implements Student<EncoderStudent.Batch> {

    /** Padded token ids and the teacher's embeddings [B, Ht] of the same sentences. */
    public record Batch(TokenBatch tokens, NDArray teacher) {}

    private final DjlBert model;
    private final EmbeddingMse mse;
    private final Path teacher;
    private final List<Param> params = new ArrayList<>();
    private final NDArray frozen;

    /** The one tensor not trained. */
    static final String FROZEN = "embeddings.word_embeddings.weight";

    /** @param teacher the teacher's file: its tokenizer files go with the exported student */
    public EncoderStudent(DjlBert model, EmbeddingMse mse, Path teacher) {
        this.model = model;
        this.mse = mse;
        this.teacher = teacher;
        this.frozen = model.parameters().get(FROZEN);
        for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
            if (!e.getKey().equals(FROZEN)) add(e.getKey(), e.getValue());
        }
        if (mse.weight() != null) {
            add("projection.weight", mse.weight());
            add("projection.bias", mse.bias());
        }
    }

    private void add(String name, NDArray value) {
        value.setRequiresGradient(true);
        params.add(new Param(name, value, value.getShape().dimension() == 2));
    }

    public DjlBert model() { return model; }

    public EmbeddingMse mse() { return mse; }

    @Override
    public List<Param> parameters() { return params; }

    @Override
    public Loss loss(Batch batch, NDManager manager) {
        frozen.tempAttach(manager); // results computed from it are freed with the step, as the trainer does for parameters
        TokenBatch t = batch.tokens();
        NDArray pooled = DjlBert.meanPool(model.hidden(t.ids(), t.mask()), t.mask());
        return new Loss(mse.loss(pooled, batch.teacher()), Map.of());
    }

    @Override
    public long size(Batch batch) { return batch.tokens().tokens(); }

    @Override
    public void export(Path out) throws IOException {
        EncoderExport.write(model, out, teacher);
    }
}
