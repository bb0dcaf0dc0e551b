package dev.weightclass.quant;

import dev.weightclass.tensor.TensorType;

import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where to get a {@link RowQuantizer}: {@link #scalar} gives the reference port of ggml for a
 * type, {@link #forType} the fastest implementation (Vector API where one exists, producing the
 * same bytes).
 */
public final class Quantizers {
    private Quantizers() {}

    private static final Map<TensorType, RowQuantizer> SCALAR = new EnumMap<>(TensorType.class);
    private static final Map<TensorType, RowQuantizer> FAST = new EnumMap<>(TensorType.class);

    static {
        for (RowQuantizer q : new RowQuantizer[]{
                new FloatCodecs.F32(), new FloatCodecs.F16(), new FloatCodecs.BF16(),
                new LegacyQuants.Q4_0(), new LegacyQuants.Q4_1(), new LegacyQuants.Q5_0(),
                new LegacyQuants.Q5_1(), new LegacyQuants.Q8_0(), new LegacyQuants.Q8_1(),
                new KQuants.Q2_K(), new KQuants.Q3_K(), new KQuants.Q4_K(), new KQuants.Q5_K(),
                new KQuants.Q6_K(), new KQuants.Q8_K(),
                new NonLinearQuants.IQ4_NL(), new NonLinearQuants.IQ4_XS(),
                new ReadOnlyQuants.TQ1_0(), new ReadOnlyQuants.TQ2_0(), new ReadOnlyQuants.MXFP4()}) {
            SCALAR.put(q.type(), q);
        }
        FAST.putAll(SCALAR);
        if (vectorAvailable()) {
            for (RowQuantizer q : new RowQuantizer[]{new VectorQuants.Q8_0(), new VectorQuants.Q4_0(),
                    new VectorQuants.Q4_K(), new VectorQuants.Q5_K(), new VectorQuants.Q6_K()}) {
                FAST.put(q.type(), q);
            }
        }
    }

    /**
     * Whether the Vector API kernels are in use: needs {@code --add-modules jdk.incubator.vector},
     * 8 or 16 float lanes, and not {@code -Dweightclass.vector=false}.
     */
    public static boolean vectorAvailable() {
        if ("false".equalsIgnoreCase(System.getProperty("weightclass.vector"))) return false;
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) return false;
        return VectorQuants.usable();
    }

    /** The Vector API implementation for {@code type}, if there is one and it can run here. */
    public static Optional<RowQuantizer> vector(TensorType type) {
        RowQuantizer q = FAST.get(type);
        return q != null && q != SCALAR.get(type) ? Optional.of(q) : Optional.empty();
    }

    /** The scalar reference implementation for {@code type}, if supported. */
    public static Optional<RowQuantizer> scalar(TensorType type) {
        return Optional.ofNullable(SCALAR.get(type));
    }

    /** The fastest implementation for {@code type}, if supported. */
    public static Optional<RowQuantizer> find(TensorType type) {
        return Optional.ofNullable(FAST.get(type));
    }

    /** The fastest implementation for {@code type}; throws for types that cannot be read. */
    public static RowQuantizer forType(TensorType type) {
        RowQuantizer q = FAST.get(type);
        if (q == null) throw new IllegalArgumentException("no codec for tensor type " + type);
        return q;
    }

    /** Types that can be both written and read. */
    public static Set<TensorType> quantizable() {
        var s = java.util.EnumSet.noneOf(TensorType.class);
        SCALAR.forEach((t, q) -> { if (q.canQuantize()) s.add(t); });
        return s;
    }

    /** Types that can be read. */
    public static Set<TensorType> readable() {
        return java.util.EnumSet.copyOf(SCALAR.keySet());
    }
}
