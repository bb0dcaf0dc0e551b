package dev.weightclass.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weightclass.SharedData;
import dev.weightclass.eval.LogProbs;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** The aidreams260K reference outputs and the two checks every format and type must pass. */
public final class Aidreams {
    private Aidreams() {}

    static JsonNode golden(String variant) throws IOException {
        JsonNode root = new ObjectMapper().readTree(SharedData.data("aidreams260K/golden_outputs.json").toFile());
        return root.path("results").path("aidreams260K-" + variant + ".gguf");
    }

    public static List<int[]> teacherSamples() throws IOException {
        JsonNode root = new ObjectMapper().readTree(SharedData.data("aidreams260K/aidreams260K_teacher_samples.json").toFile());
        List<int[]> out = new ArrayList<>();
        for (JsonNode s : root) {
            int[] ids = new int[s.path("ids").size()];
            for (int i = 0; i < ids.length; i++) ids[i] = s.path("ids").get(i).asInt();
            out.add(ids);
        }
        return out;
    }

    static int[] ids(JsonNode array) {
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) ids[i] = array.get(i).asInt();
        return ids;
    }

    /** BOS, then 64 greedy tokens, one at a time. */
    static int[] greedy64(LlamaModel m) {
        LlamaModel.Session s = m.newSession(m.config().contextLength());
        int[] out = new int[65];
        out[0] = 1;
        for (int i = 1; i <= 64; i++) out[i] = Sampler.argmax(m.next(s, out[i - 1]));
        return out;
    }

    /** Mean NLL (nats/token) of every sample's tokens after the first (BOS), each sample as one batch. */
    static double[] teacherNll(LlamaModel m) throws IOException {
        double sum = 0;
        long count = 0;
        LlamaModel.Session s = m.newSession(m.config().contextLength());
        for (int[] ids : teacherSamples()) {
            s.reset();
            float[][] logits = m.forward(s, ids, 0, ids.length, true);
            for (int i = 0; i + 1 < ids.length; i++) {
                sum += LogProbs.nll(logits[i], ids[i + 1]);
                count++;
            }
        }
        return new double[] {sum / count, count};
    }
}
