package dev.weightclass.distill.encoder;

import dev.weightclass.WeightclassException;
import dev.weightclass.distill.ScratchInit;
import dev.weightclass.distill.Slicing;
import dev.weightclass.runtime.bert.BertConfig;
import dev.weightclass.runtime.bert.BertTensors;
import dev.weightclass.runtime.bert.BertTensors.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a narrower BERT student keeps of its (block-selected) teacher. A width H' keeps the same H'
 * residual channels in every tensor that reads or writes the residual stream (embedding tables'
 * columns, every LayerNorm, the input columns of query/key/value and the intermediate layer, the
 * output rows and biases of the attention output and FFN output) and whole attention heads at
 * the teacher's head width, H' / head width of them per block: BERT's attention width equals its
 * hidden width. A narrower FFN keeps, per block, the units with the largest |up row| * |down column|.
 *
 * @param channels kept residual channels, ascending; null keeps all
 * @param heads    per block, the kept attention heads; null keeps all
 * @param ffnUnits per block, the kept intermediate units; null keeps all
 * @param scratch  non-null: narrowed tensors start random ({@code --init scratch}), except the
 *                 token table, which the student does not train: it is always the teacher's, sliced
 */
public record BertSlice(int[] channels, int[][] heads, int[][] ffnUnits, ScratchInit scratch) {

    /** Which unit an axis of a tensor runs over. */
    enum Axis { HIDDEN, HEADS, FFN, OTHER }

    /**
     * The student's shape for {@code --dim} and {@code --ffn}, checked: widths no larger than the
     * teacher's, and a width that keeps whole heads.
     */
    public static BertConfig studentConfig(BertConfig t, int layers, int dim, int ffn) {
        Slicing.requireNotWider("--dim", dim, t.hidden(), "width");
        Slicing.requireNotWider("--ffn", ffn, t.intermediate(), "FFN width");
        int hd = t.headDim();
        if (dim % hd != 0) {
            throw new WeightclassException("--dim " + dim + ": the student keeps whole attention heads (" + t.heads()
                    + " of width " + hd + " for width " + t.hidden() + "), so --dim must be a multiple of " + hd
                    + (dim > hd ? ", e.g. " + dim / hd * hd : ""));
        }
        return new BertConfig(t.vocabSize(), dim, layers, dim / hd, ffn, t.maxPositions(), t.typeVocab(), t.layerNormEps());
    }

    /**
     * The slice to {@code student}'s widths keeping the strongest channels, heads and units of
     * {@code tensors} (the student's blocks at the teacher's widths, under student block numbers).
     */
    public static BertSlice strongest(Map<String, Tensor> tensors, BertConfig teacher, BertConfig student,
                                      ScratchInit scratch) {
        int[] channels = null;
        if (student.hidden() < teacher.hidden()) {
            double[] score = new double[teacher.hidden()];
            for (Tensor t : tensors.values()) {
                Axis[] a = axes(t.name());
                int rows = (int) t.shape()[0], cols = t.shape().length > 1 ? (int) t.shape()[1] : 1;
                if (a[0] == Axis.HIDDEN) Slicing.addShares(score, Slicing.rowEnergy(t.values(), rows, cols));
                else if (a.length > 1 && a[1] == Axis.HIDDEN) Slicing.addShares(score, Slicing.columnEnergy(t.values(), rows, cols));
            }
            channels = Slicing.strongest(score, student.hidden());
        }
        int[][] heads = null, units = null;
        if (student.heads() < teacher.heads()) {
            heads = new int[student.layers()][];
            for (int l = 0; l < heads.length; l++) {
                String p = BertTensors.layer(l);
                int hd = teacher.headDim();
                double[] q = heads(rows(tensors, p + "attention.self.query.weight"), hd);
                double[] k = heads(rows(tensors, p + "attention.self.key.weight"), hd);
                double[] v = heads(rows(tensors, p + "attention.self.value.weight"), hd);
                double[] o = heads(columns(tensors, p + "attention.output.dense.weight"), hd);
                double[] score = new double[teacher.heads()];
                for (int h = 0; h < score.length; h++) score[h] = Math.sqrt(q[h] * k[h] * v[h] * o[h]);
                heads[l] = Slicing.strongest(score, student.heads());
            }
        }
        if (student.intermediate() < teacher.intermediate()) {
            units = new int[student.layers()][];
            for (int l = 0; l < units.length; l++) {
                String p = BertTensors.layer(l);
                double[] up = rows(tensors, p + "intermediate.dense.weight");
                double[] down = columns(tensors, p + "output.dense.weight");
                double[] score = new double[up.length];
                for (int u = 0; u < score.length; u++) score[u] = Math.sqrt(up[u] * down[u]);
                units[l] = Slicing.strongest(score, student.intermediate());
            }
        }
        return new BertSlice(channels, heads, units, scratch);
    }

    /** {@code tensors} cut to this slice, in the same order. */
    public Map<String, Tensor> apply(Map<String, Tensor> tensors, BertConfig teacher) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Tensor t : tensors.values()) {
            Axis[] a = axes(t.name());
            int block = block(t.name());
            int rows = (int) t.shape()[0], cols = t.shape().length > 1 ? (int) t.shape()[1] : 1;
            int[] keepRows = keep(a[0], block, teacher), keepCols = a.length > 1 ? keep(a[1], block, teacher) : null;
            long[] shape = t.shape().length > 1
                    ? new long[] {keepRows == null ? rows : keepRows.length, keepCols == null ? cols : keepCols.length}
                    : new long[] {keepRows == null ? rows : keepRows.length};
            float[] values;
            boolean narrowed = keepRows != null || keepCols != null;
            int n = Math.toIntExact(shape.length > 1 ? shape[0] * shape[1] : shape[0]);
            if (narrowed && scratch != null && !t.name().equals(EncoderStudent.FROZEN)) {
                values = t.name().endsWith("LayerNorm.weight") ? ScratchInit.constant(n, 1f)
                        : t.name().endsWith(".bias") ? ScratchInit.constant(n, 0f) : scratch.normal(t.name(), n);
            } else {
                values = narrowed ? Slicing.slice(t.values(), rows, cols, keepRows, keepCols) : t.values();
            }
            out.put(t.name(), new Tensor(t.name(), shape, values));
        }
        return out;
    }

    private int[] keep(Axis a, int block, BertConfig teacher) {
        return switch (a) {
            case HIDDEN -> channels;
            case HEADS -> heads == null ? null : Slicing.expand(heads[block], teacher.headDim());
            case FFN -> ffnUnits == null ? null : ffnUnits[block];
            case OTHER -> null;
        };
    }

    /** The axes of a tensor (Hugging Face BertModel name), outermost first. */
    static Axis[] axes(String name) {
        boolean weight = name.endsWith(".weight");
        if (name.startsWith("embeddings.") && name.endsWith("_embeddings.weight")) return new Axis[] {Axis.OTHER, Axis.HIDDEN};
        if (name.contains("LayerNorm.")) return new Axis[] {Axis.HIDDEN};
        if (name.contains("attention.self.")) return weight ? new Axis[] {Axis.HEADS, Axis.HIDDEN} : new Axis[] {Axis.HEADS};
        if (name.contains("attention.output.dense.")) return weight ? new Axis[] {Axis.HIDDEN, Axis.HEADS} : new Axis[] {Axis.HIDDEN};
        if (name.contains("intermediate.dense.")) return weight ? new Axis[] {Axis.FFN, Axis.HIDDEN} : new Axis[] {Axis.FFN};
        if (name.contains("output.dense.")) return weight ? new Axis[] {Axis.HIDDEN, Axis.FFN} : new Axis[] {Axis.HIDDEN};
        throw new IllegalArgumentException("unknown BERT tensor " + name);
    }

    /** The block number of an {@code encoder.layer.N.} tensor, -1 for the embeddings. */
    private static int block(String name) {
        if (!name.startsWith("encoder.layer.")) return -1;
        int from = "encoder.layer.".length();
        return Integer.parseInt(name.substring(from, name.indexOf('.', from)));
    }

    private static double[] rows(Map<String, Tensor> tensors, String name) {
        Tensor t = tensors.get(name);
        return Slicing.rowEnergy(t.values(), (int) t.shape()[0], (int) t.shape()[1]);
    }

    private static double[] columns(Map<String, Tensor> tensors, String name) {
        Tensor t = tensors.get(name);
        return Slicing.columnEnergy(t.values(), (int) t.shape()[0], (int) t.shape()[1]);
    }

    private static double[] heads(double[] rowEnergy, int hd) {
        return Slicing.blockSums(rowEnergy, hd);
    }
}
