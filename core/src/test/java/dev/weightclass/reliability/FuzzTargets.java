package dev.weightclass.reliability;

import dev.weightclass.fit.DeviceCatalog;
import dev.weightclass.format.HfConfig;
import dev.weightclass.format.ModelFile;
import dev.weightclass.format.TokenizerJson;
import dev.weightclass.format.gguf.GgufFile;
import dev.weightclass.format.gguf.GgufWriter;
import dev.weightclass.format.llama2c.Llama2cTokenizer;
import dev.weightclass.format.safetensors.SafetensorsWriter;
import dev.weightclass.runtime.tokenizer.Tokenizer;
import dev.weightclass.runtime.tokenizer.Tokenizers;
import dev.weightclass.size.ModelInspection;
import dev.weightclass.size.SizeEstimator;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Every parser a user's file reaches, with real seed files from {@code ../shared/data} and the classpath. */
final class FuzzTargets {
    private FuzzTargets() {}

    static final String SAMPLE = "Hello world! Ünïcödé, 123 tokens\tand\nnewlines <s></s>";

    static List<FuzzTarget> all(Path data, Path scratch) throws IOException {
        List<FuzzTarget> out = new ArrayList<>();
        List<Path> ggufs = files(data, ".gguf");
        out.add(new FuzzTarget("gguf", "model.gguf", false,
                ggufs.stream().filter(p -> !p.toString().contains("vocab")).toList(), FuzzTargets::model,
                (in, o) -> {
                    try (GgufFile g = GgufFile.open(in)) {
                        GgufWriter.write(o, g.version(), g.kv(), g.tensorSpecs(), GgufWriter.from(g));
                    }
                }));
        // vocab-only files: slow to build a tokenizer from, so a target of their own
        out.add(new FuzzTarget("gguf-vocab", "vocab.gguf", false,
                ggufs.stream().filter(p -> p.toString().contains("vocab")).toList(), FuzzTargets::model, null));
        out.add(new FuzzTarget("safetensors", "model.safetensors", false, files(data, ".safetensors"), FuzzTargets::model,
                (in, o) -> {
                    try (ModelFile m = ModelFile.open(in)) {
                        SafetensorsWriter.copy(m, o);
                    }
                }));
        out.add(new FuzzTarget("onnx", "model.onnx", false, files(data, ".onnx"), FuzzTargets::model, null));
        out.add(new FuzzTarget("llama2c", "model.bin", false,
                files(data, ".bin").stream().filter(p -> !p.getFileName().toString().startsWith("tok")).toList(),
                FuzzTargets::model, null));
        out.add(new FuzzTarget("tokenizer.bin", "tokenizer.bin", false,
                files(data, ".bin").stream().filter(p -> p.getFileName().toString().startsWith("tok")).toList(),
                p -> {
                    Llama2cTokenizer t = Llama2cTokenizer.read(p);
                    encode(Tokenizers.fromLlama2c(p, t.size()));
                }, null));
        out.add(new FuzzTarget("config.json", "config.json", true,
                concat(files(data, "config.json").stream().filter(p -> p.getFileName().toString().equals("config.json")).toList(), resource(scratch, "/dev/weightclass/size/catalog.json", "catalog-config.json", true)),
                p -> {
                    HfConfig.read(p);
                    SizeEstimator.estimate(p.toString());
                }, null));
        out.add(new FuzzTarget("tokenizer.json", "tokenizer.json", true,
                resource(scratch, "/" + Tokenizers.MINILM_RESOURCE, "tokenizer.json", false),
                p -> {
                    TokenizerJson.read(p);
                    encode(Tokenizers.fromTokenizerJson(p));
                }, null));
        out.add(new FuzzTarget("adapter_config.json", "adapter_config.json", true,
                files(data, "adapter_config.json"), p -> dev.weightclass.lora.PeftConfig.read(p), null));
        out.add(new FuzzTarget("devices.json", "devices.json", true,
                resource(scratch, "/dev/weightclass/fit/devices.json", "devices.json", false),
                p -> DeviceCatalog.builtIn().with(p), null));
        return out;
    }

    /** What `inspect` and `tokenize` do with a model file. */
    static void model(Path p) throws Exception {
        try (ModelFile m = ModelFile.open(p)) {
            ModelInspection.of(m).toText(true);
            m.hyperparameters();
            m.metadata();
            if (m.tokenizer().isPresent()) encode(Tokenizers.forModel(m));
        }
    }

    private static void encode(Tokenizer t) {
        int[] ids = t.encode(SAMPLE);
        t.decode(ids);
    }

    private static List<Path> files(Path data, String suffix) throws IOException {
        if (data == null || !Files.isDirectory(data)) return List.of();
        try (Stream<Path> s = Files.walk(data)) {
            return s.filter(Files::isRegularFile)
                    .filter(p -> p.getFileName().toString().endsWith(suffix))
                    .filter(p -> !p.toString().contains("synthetic"))
                    .filter(p -> sizeOf(p) <= 4 << 20)
                    .sorted().toList();
        }
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return Long.MAX_VALUE;
        }
    }

    /**
     * A classpath resource as a seed file. The catalog holds many configs: the first model's
     * {@code config} object is extracted so the seed is a real config.json.
     */
    private static List<Path> resource(Path scratch, String name, String as, boolean firstCatalogConfig) throws IOException {
        try (InputStream in = FuzzTargets.class.getResourceAsStream(name)) {
            if (in == null) return List.of();
            byte[] bytes = in.readAllBytes();
            if (firstCatalogConfig) {
                var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
                var config = mapper.readTree(bytes).path("models").path(0).path("config");
                bytes = mapper.writerWithDefaultPrettyPrinter().writeValueAsBytes(config);
            }
            Files.createDirectories(scratch);
            return List.of(Files.write(scratch.resolve(as), bytes));
        }
    }

    private static List<Path> concat(List<Path> a, List<Path> b) {
        List<Path> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
