package dev.weightclass.format.onnx;

import dev.weightclass.format.FormatException;
import dev.weightclass.format.Hyperparameters;
import dev.weightclass.format.MappedFile;
import dev.weightclass.format.ModelFile;
import dev.weightclass.format.ModelReader;
import dev.weightclass.format.TokenizerInfo;
import dev.weightclass.format.TokenizerJson;
import dev.weightclass.format.onnx.proto.Onnx;
import dev.weightclass.tensor.TensorInfo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Reads ONNX models: the protobuf is walked over the memory-mapped file so weights are located,
 * never copied (see {@link OnnxScan}); external data files are mapped too.
 */
public final class OnnxReader implements ModelReader {

    @Override
    public boolean accepts(Path file, byte[] head) {
        String name = String.valueOf(file.getFileName()).toLowerCase(Locale.ROOT);
        if (name.endsWith(".onnx")) return true;
        // No magic number: a ModelProto starts with ir_version (field 1, varint, 1..15) followed by
        // producer_name (field 2), graph (7) or opset_import (8).
        return head.length >= 3 && head[0] == 0x08 && head[1] >= 1 && head[1] <= 15
                && (head[2] == 0x12 || head[2] == 0x3a || head[2] == 0x42);
    }

    @Override
    public ModelFile open(Path file) throws IOException {
        List<MappedFile> mapped = new ArrayList<>();
        try {
            MappedFile main = MappedFile.open(file);
            mapped.add(main);
            OnnxScan scan = OnnxScan.read(file, main.segment());
            List<Path> files = new ArrayList<>(List.of(file));
            List<OnnxTensor> inits = resolveExternal(file, scan.initializers(), files, mapped);
            inits = PackedWeights.logicalView(inits, scan.graph());

            Map<String, OnnxTensor> byName = new HashMap<>();
            for (OnnxTensor t : inits) {
                if (byName.put(t.name(), t) != null) {
                    throw new FormatException(file, "GraphProto.initializer", t.protoOffset(), "initializer '" + t.name() + "' appears twice");
                }
            }
            OnnxGraph graph = new OnnxGraph(scan.graph(), byName.keySet());
            OnnxRoles.Result roles = OnnxRoles.assign(inits, graph, t -> OnnxFile.dataWhileOpening(t, mapped));
            Map<String, String> props = new LinkedHashMap<>();
            for (Onnx.StringStringEntryProto e : scan.model().getMetadataPropsList()) props.put(e.getKey(), e.getValue());
            Hyperparameters hp = OnnxHyperparameters.infer(roles.tensors(), roles, graph, props,
                    name -> OnnxFile.dataWhileOpening(byName.get(name), mapped));
            Optional<TokenizerInfo> tokenizer = TokenizerJson.besides(file);
            return new OnnxFile(file, files, mapped, scan, inits, roles.tensors(), metadata(scan, props, roles), hp, tokenizer, graph);
        } catch (IOException | RuntimeException e) {
            for (MappedFile m : mapped) m.close();
            throw e;
        }
    }

    /** Maps each external data file once (file index 1, 2, ...) and checks every range against it. */
    private static List<OnnxTensor> resolveExternal(Path file, List<OnnxTensor> inits, List<Path> files,
                                                    List<MappedFile> mapped) throws IOException {
        Path dir = file.toAbsolutePath().normalize().getParent();
        Map<Path, Integer> index = new HashMap<>();
        List<OnnxTensor> out = new ArrayList<>(inits.size());
        for (OnnxTensor t : inits) {
            if (t.storage() != OnnxTensor.Storage.EXTERNAL) {
                out.add(t);
                continue;
            }
            String field = "initializer '" + t.name() + "'.external_data";
            String location = t.externalData().get("location");
            Path rel;
            try {
                rel = Path.of(location);
            } catch (java.nio.file.InvalidPathException e) {
                throw new FormatException(file, field, t.protoOffset(), "invalid location '" + location + "'");
            }
            Path target = dir.resolve(rel).normalize();
            if (rel.isAbsolute() || !target.startsWith(dir) || target.equals(dir)) {
                throw new FormatException(file, field, t.protoOffset(),
                        "location '" + location + "' points outside the model's folder; refusing to read it");
            }
            if (!Files.isRegularFile(target)) {
                throw new FormatException(file, field, t.protoOffset(), "external data file '" + location + "' not found beside the model");
            }
            // A symbolic link inside the folder must not lead out of it either.
            if (!target.toRealPath().startsWith(dir.toRealPath())) {
                throw new FormatException(file, field, t.protoOffset(), "location '" + location + "' resolves outside the model's folder");
            }
            Integer fi = index.get(target);
            if (fi == null) {
                fi = mapped.size();
                mapped.add(MappedFile.open(target));
                files.add(target);
                index.put(target, fi);
            }
            long offset = number(file, field, t, "offset", 0);
            long length = number(file, field, t, "length", t.byteSize());
            if (length != t.byteSize()) {
                throw new FormatException(file, field, t.protoOffset(), "length " + length + " but "
                        + OnnxTypes.name(t.dataType()) + " " + java.util.Arrays.toString(t.dims()) + " needs " + t.byteSize() + " bytes");
            }
            long size = mapped.get(fi).length();
            if (offset > size || length > size - offset) {
                throw new FormatException(file, field, t.protoOffset(), "range " + offset + "+" + length
                        + " runs past the end of '" + location + "' (" + size + " bytes)");
            }
            out.add(t.withExternal(fi, offset));
        }
        return out;
    }

    private static long number(Path file, String field, OnnxTensor t, String key, long dflt) {
        String v = t.externalData().get(key);
        if (v == null) return dflt;
        try {
            long n = Long.parseLong(v.trim());
            if (n < 0) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw new FormatException(file, field, t.protoOffset(), key + " '" + v + "' is not a non-negative number");
        }
    }

    private static Map<String, Object> metadata(OnnxScan scan, Map<String, String> props, OnnxRoles.Result roles) {
        Onnx.ModelProto m = scan.model();
        Onnx.GraphProto g = scan.graph();
        Map<String, Object> md = new LinkedHashMap<>();
        md.put("onnx.ir_version", m.getIrVersion());
        String producer = (m.getProducerName() + " " + m.getProducerVersion()).trim();
        if (!producer.isEmpty()) md.put("onnx.producer", producer);
        if (!m.getDomain().isEmpty()) md.put("onnx.domain", m.getDomain());
        if (m.hasModelVersion()) md.put("onnx.model_version", m.getModelVersion());
        Map<String, Long> opsets = new LinkedHashMap<>();
        for (Onnx.OperatorSetIdProto o : m.getOpsetImportList()) {
            opsets.put(o.getDomain().isEmpty() ? "ai.onnx" : o.getDomain(), o.getVersion());
        }
        md.put("onnx.opset_import", opsets);
        if (!g.getName().isEmpty()) md.put("onnx.graph", g.getName());
        Set<String> initNames = roles.tensors().stream().map(TensorInfo::name).collect(Collectors.toSet());
        md.put("onnx.inputs", g.getInputList().stream().filter(v -> !initNames.contains(v.getName()))
                .map(OnnxReader::describe).toList());
        md.put("onnx.outputs", g.getOutputList().stream().map(OnnxReader::describe).toList());
        md.put("onnx.nodes", g.getNodeCount());
        Map<String, Integer> ops = new TreeMap<>();
        for (Onnx.NodeProto n : g.getNodeList()) {
            String op = n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx") ? n.getOpType() : n.getDomain() + "." + n.getOpType();
            ops.merge(op, 1, Integer::sum);
        }
        Map<String, Integer> sorted = new LinkedHashMap<>();
        ops.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .forEach(e -> sorted.put(e.getKey(), e.getValue()));
        md.put("onnx.op_types", sorted);
        md.put("onnx.initializers", roles.tensors().size());
        if (scan.sparseInitializers() > 0) md.put("onnx.sparse_initializers_skipped", scan.sparseInitializers());
        if (roles.tiedCopy() != null) md.put("onnx.tied_copy", roles.tiedCopy() + " = " + roles.tokenEmbedding() + " transposed");
        props.forEach((k, v) -> md.put("onnx.metadata." + k, v));
        return md;
    }

    /** "input_ids: INT64 [batch_size, sequence_length]". */
    private static String describe(Onnx.ValueInfoProto v) {
        StringBuilder sb = new StringBuilder(v.getName());
        if (v.hasType() && v.getType().hasTensorType()) {
            Onnx.TypeProto.Tensor t = v.getType().getTensorType();
            sb.append(": ").append(OnnxTypes.name(t.getElemType()));
            if (t.hasShape()) {
                sb.append(' ').append(t.getShape().getDimList().stream()
                        .map(d -> d.hasDimValue() ? String.valueOf(d.getDimValue()) : d.hasDimParam() ? d.getDimParam() : "?")
                        .collect(Collectors.joining(", ", "[", "]")));
            }
        }
        return sb.toString();
    }
}
