package dev.weightclass.quant;

import dev.weightclass.WeightclassException;
import dev.weightclass.format.gguf.GgufFormat;
import dev.weightclass.format.gguf.GgufWriter;
import dev.weightclass.tensor.TensorInfo;
import dev.weightclass.tensor.TensorType;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;

/**
 * Chooses a type per tensor so that the GGUF file lands at or under a byte budget with the least
 * weighted quantization error (docs/QUANTIZATION.md, "Size targets"):
 * <pre>
 * loss(plan) = sum over quantizable tensors t of  w(role of t) * (n_t / N) * relMSE_t(type_t)
 * relMSE_t(T) = sum (x - dequant(quant_T(x)))^2 / sum x^2     over sampled rows of t
 * size(plan)  = header + sum pad32(bytes_t(type_t))           (exact: what the writer writes)
 * </pre>
 * Every quantizable tensor starts at its cheapest candidate type; then, while the budget allows,
 * the single upgrade (tensor, higher type) with the largest loss reduction per added byte is
 * applied. The result goes through {@link QuantPlan} as per-tensor overrides, so the same rules
 * (which tensors may be quantized at all, block-size checks) decide as for presets.
 */
public final class SizeBudget {
    private SizeBudget() {}

    /** Candidate types, cheapest first; each tensor keeps those its row length allows. */
    static final List<TensorType> LADDER = List.of(TensorType.Q2_K, TensorType.Q3_K, TensorType.Q4_0, TensorType.Q4_K,
            TensorType.Q5_0, TensorType.Q5_K, TensorType.Q6_K, TensorType.Q8_0, TensorType.F16, TensorType.F32);

    /** Elements measured per tensor and type: enough rows to rank types, bounded so planning stays quick. */
    static final int SAMPLE_ELEMENTS = 1 << 15;

    /**
     * Sensitivity by role, from where llama.cpp's own mixtures spend extra bits: the classifier
     * (output.weight, or token_embd when tied), attn_v and ffn_down.
     */
    static double roleWeight(String name, boolean tiedClassifier) {
        QuantPlan.Category c = QuantPlan.category(name);
        return switch (c) {
            case OUTPUT -> 4.0;
            case TOKEN_EMBD -> tiedClassifier ? 4.0 : 1.0;
            case ATTN_V, ATTN_QKV, FFN_DOWN -> 2.0;
            default -> 1.0;
        };
    }

    /** One candidate type for a tensor: its bytes and measured relative error. */
    public record Option(TensorType type, long bytes, double relMse) {}

    /** A tensor's candidates and the one chosen. */
    public record Choice(TensorInfo tensor, double weight, List<Option> options, Option chosen) {}

    /** The chosen plan, its exact file size and weighted loss. */
    public record Result(QuantPlan plan, int fileType, long predictedBytes, long targetBytes, double loss,
                         List<Choice> choices) {}

    /**
     * Plans {@code in} for a file of at most {@code targetBytes}.
     *
     * @throws WeightclassException when even the cheapest types give a larger file
     */
    public static Result plan(QuantSource in, long targetBytes, QuantOptions options, int threads) {
        List<TensorInfo> tensors = QuantPlan.llamaOrder(in.tensors());
        boolean tied = tensors.stream().noneMatch(t -> t.name().equals("output.weight"));
        long params = 0;
        for (TensorInfo t : tensors) params += t.elements();
        List<TensorInfo> quantizable = new ArrayList<>();
        for (TensorInfo t : tensors) {
            if (QuantPlan.allowsQuantization(t.name(), t.shape(), options.leaveOutputTensor())
                    && (!t.type().isQuantized() || options.allowRequantize())) quantizable.add(t);
        }
        Map<String, List<Option>> options0 = measure(in, quantizable, threads);

        // Fixed part: header and the tensors that keep their type.
        Map<String, TensorType> cheapest = new HashMap<>();
        for (TensorInfo t : quantizable) cheapest.put(t.name(), options0.get(t.name()).getFirst().type());
        long size = GgufQuantizer.outputSize(in, cheapest, 0);
        if (size > targetBytes) {
            throw new WeightclassException(String.format(Locale.ROOT, "target %,d bytes is below the smallest file this "
                    + "model can be: %,d bytes (every weight in its cheapest type, %s)", targetBytes, size,
                    quantizable.isEmpty() ? "nothing quantizable" : "e.g. " + cheapest.get(quantizable.getFirst().name())));
        }
        int alignment = GgufWriter.alignmentOf(in.kv());
        int[] at = new int[quantizable.size()];
        double[] weight = new double[quantizable.size()];
        for (int i = 0; i < weight.length; i++) {
            TensorInfo t = quantizable.get(i);
            weight[i] = roleWeight(t.name(), tied) * t.elements() / (double) params;
        }
        // Greedy upgrades by loss reduction per padded byte.
        while (true) {
            int bestT = -1, bestO = -1;
            double bestRate = 0;
            for (int i = 0; i < at.length; i++) {
                List<Option> o = options0.get(quantizable.get(i).name());
                Option cur = o.get(at[i]);
                for (int j = at[i] + 1; j < o.size(); j++) {
                    long extra = pad(alignment, o.get(j).bytes()) - pad(alignment, cur.bytes());
                    double gain = weight[i] * (cur.relMse() - o.get(j).relMse());
                    if (gain <= 0 || size + extra > targetBytes) continue;
                    double rate = gain / Math.max(1, extra);
                    if (rate > bestRate) { bestRate = rate; bestT = i; bestO = j; }
                }
            }
            if (bestT < 0) break;
            List<Option> o = options0.get(quantizable.get(bestT).name());
            size += pad(alignment, o.get(bestO).bytes()) - pad(alignment, o.get(at[bestT]).bytes());
            at[bestT] = bestO;
        }
        QuantOptions planOptions = options.withPure(true);
        for (TensorInfo t : tensors) { // quantized inputs without --allow-requantize keep their type
            if (!quantizable.contains(t) && QuantPlan.allowsQuantization(t.name(), t.shape(), options.leaveOutputTensor())) {
                planOptions = planOptions.withOverride(new QuantOptions.Override(
                        Pattern.compile("^" + Pattern.quote(t.name()) + "$"), t.type()));
            }
        }
        List<Choice> choices = new ArrayList<>();
        Map<TensorType, Long> bytesByType = new EnumMap<>(TensorType.class);
        double loss = 0;
        Map<String, TensorType> types = new HashMap<>();
        for (int i = 0; i < at.length; i++) {
            TensorInfo t = quantizable.get(i);
            Option c = options0.get(t.name()).get(at[i]);
            choices.add(new Choice(t, weight[i], options0.get(t.name()), c));
            loss += weight[i] * c.relMse();
            bytesByType.merge(c.type(), c.bytes(), Long::sum);
            types.put(t.name(), c.type());
            planOptions = planOptions.withOverride(new QuantOptions.Override(
                    Pattern.compile("^" + Pattern.quote(t.name()) + "$"), c.type()));
        }
        TensorType dominant = bytesByType.entrySet().stream().max(Map.Entry.comparingByValue())
                .map(Map.Entry::getKey).orElse(TensorType.F32);
        QuantPlan plan = QuantPlan.of(in.tensors(), QuantPlan.Model.of(in.hyperparameters(), in.experts()),
                QuantPreset.Q8_0, planOptions);
        for (QuantPlan.Decision d : plan.decisions()) {
            if (types.containsKey(d.name()) && d.to() != types.get(d.name())) {
                throw new IllegalStateException(d.name() + ": planned " + types.get(d.name()) + ", QuantPlan gave " + d.to());
            }
        }
        return new Result(plan, fileTypeOf(dominant), size, targetBytes, loss, choices);
    }

    private static long pad(int alignment, long bytes) { return GgufFormat.pad(bytes, alignment); }

    /** The llama_ftype a file that is mostly {@code type} records. */
    static int fileTypeOf(TensorType type) {
        for (QuantPreset p : QuantPreset.values()) if (p.baseType() == type) return p.fileType();
        return QuantPreset.Q8_0.fileType();
    }

    /** Candidate types per tensor with their measured error, in parallel over tensors. */
    static Map<String, List<Option>> measure(QuantSource in, List<TensorInfo> tensors, int threads) {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
            Thread th = new Thread(r, "size-budget");
            th.setDaemon(true);
            return th;
        });
        try {
            List<Future<List<Option>>> futures = new ArrayList<>();
            for (TensorInfo t : tensors) futures.add(pool.submit(() -> options(in, t)));
            Map<String, List<Option>> out = new HashMap<>();
            for (int i = 0; i < tensors.size(); i++) out.put(tensors.get(i).name(), futures.get(i).get());
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while measuring quantization error", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /** The tensor's candidates, cheapest first, with relative round-trip MSE on evenly spaced sample rows. */
    static List<Option> options(QuantSource in, TensorInfo t) {
        int n = Math.toIntExact(t.rowLength());
        long rows = t.elements() / n;
        int sampleRows = (int) Math.max(1, Math.min(rows, SAMPLE_ELEMENTS / n));
        float[][] x = new float[sampleRows][n];
        double energy = 0;
        var data = in.data(t);
        for (int s = 0; s < sampleRows; s++) {
            long row = s * rows / sampleRows;
            TensorRows.read(data, t.type(), n, in.storedRow(t, row), x[s], 0);
            for (float v : x[s]) energy += (double) v * v;
        }
        List<Option> out = new ArrayList<>();
        for (TensorType type : LADDER) {
            if (n % type.blockSize() != 0) continue;
            if (type == TensorType.F32 && t.type() != TensorType.F32) continue; // no gain above the source
            long bytes = QuantPlan.bytes(t.shape(), type);
            out.add(new Option(type, bytes, type == t.type() ? 0 : relMse(x, n, type, energy)));
        }
        return out;
    }

    static double relMse(float[][] x, int n, TensorType type, double energy) {
        RowQuantizer q = Quantizers.forType(type);
        byte[] buf = new byte[q.rowBytes(n)];
        float[] back = new float[n];
        double[] sse = {0}, max = {0};
        for (float[] row : x) {
            q.quantize(row, 0, n, buf, 0);
            q.dequantize(buf, 0, back, 0, n);
            RoundTripError.accumulate(row, back, n, sse, max);
        }
        return energy == 0 ? 0 : sse[0] / energy;
    }
}
