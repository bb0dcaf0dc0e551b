package dev.weightclass.distill.encoder;

import ai.djl.ndarray.NDArray;
import dev.weightclass.SharedData;
import dev.weightclass.eval.StsFile;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Sentences and small vector helpers shared by the encoder tests. */
final class EncoderTestData {
    private EncoderTestData() {}

    static {
        // other builds share the machine's two cores
        System.setProperty("ai.djl.pytorch.num_threads", "2");
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    }

    /** Runs the static setup (thread counts) before a test class touches the engine. */
    static void init() {}

    static List<String> stsDevSentences() throws IOException {
        List<String> out = new ArrayList<>();
        for (StsFile.Pair p : StsFile.read(SharedData.data("sts-benchmark/sts-dev.ccbysa-subset.tsv"))) {
            out.add(p.first());
            out.add(p.second());
        }
        return out;
    }

    static float[][] rows(NDArray a) {
        int n = Math.toIntExact(a.getShape().get(0)), w = Math.toIntExact(a.getShape().get(1));
        float[] flat = a.toFloatArray();
        float[][] out = new float[n][w];
        for (int i = 0; i < n; i++) System.arraycopy(flat, i * w, out[i], 0, w);
        return out;
    }

}
