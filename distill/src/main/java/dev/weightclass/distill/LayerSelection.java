package dev.weightclass.distill;

import dev.weightclass.WeightclassException;

import java.util.Arrays;

/** Which teacher blocks initialise the student's blocks. */
public final class LayerSelection {
    private LayerSelection() {}

    /**
     * The teacher block each student block starts from.
     *
     * @param teacherLayers blocks of the teacher
     * @param layers        --layers (student blocks, every k-th teacher block), or null
     * @param initLayers    --init-layers (explicit teacher blocks), or null
     * @return student block i starts as teacher block result[i]; all teacher blocks when neither is given
     */
    public static int[] choose(int teacherLayers, Integer layers, int[] initLayers) {
        if (layers != null && initLayers != null && initLayers.length != layers) {
            throw new WeightclassException("--layers " + layers + " and --init-layers " + join(initLayers)
                    + " disagree: give one of them");
        }
        if (initLayers != null) {
            if (initLayers.length == 0) throw new WeightclassException("--init-layers is empty");
            if (initLayers.length > teacherLayers) {
                throw new WeightclassException("the student would be larger than the teacher: --init-layers names "
                        + initLayers.length + " blocks, the teacher has " + teacherLayers);
            }
            for (int l : initLayers) {
                if (l < 0 || l >= teacherLayers) {
                    throw new WeightclassException("--init-layers: layer " + l + " is out of range; the teacher has layers 0.."
                            + (teacherLayers - 1));
                }
            }
            return initLayers.clone();
        }
        if (layers == null) return everyKth(teacherLayers, teacherLayers);
        if (layers <= 0) throw new WeightclassException("--layers must be at least 1, got " + layers);
        if (layers > teacherLayers) {
            throw new WeightclassException("the student would be larger than the teacher: --layers " + layers
                    + ", the teacher has " + teacherLayers);
        }
        return everyKth(teacherLayers, layers);
    }

    /** Blocks floor(i * N / n): 4 -> 2 gives 0, 2; 6 -> 3 gives 0, 2, 4 (DistilBERT's choice). */
    static int[] everyKth(int teacher, int student) {
        int[] out = new int[student];
        for (int i = 0; i < student; i++) out[i] = (int) ((long) i * teacher / student);
        return out;
    }

    public static String join(int[] layers) {
        return String.join(",", Arrays.stream(layers).mapToObj(String::valueOf).toList());
    }
}
