package dev.weightclass.format.onnx;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.weightclass.format.FormatException;
import dev.weightclass.format.onnx.proto.Onnx;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits an ONNX file into what is parsed and what is only located. ModelProto field 7 (graph) is
 * walked by hand; inside it, field 5 (initializer) is walked tensor by tensor so that weights stay
 * in the mapped file. Everything else (model header, nodes, inputs, outputs, value infos) is copied
 * out, a few kilobytes to a few megabytes, and parsed with the generated protobuf classes.
 *
 * @param model              the ModelProto without its graph
 * @param graph              the GraphProto without initializers and sparse initializers
 * @param initializers       located initializers in file order
 * @param sparseInitializers how many sparse initializers were skipped (not supported)
 */
record OnnxScan(Onnx.ModelProto model, Onnx.GraphProto graph, List<OnnxTensor> initializers,
                int sparseInitializers) {

    static final int MODEL_GRAPH = 7, MODEL_TRAINING_INFO = 20;
    static final int GRAPH_INITIALIZER = 5, GRAPH_SPARSE_INITIALIZER = 15;

    static OnnxScan read(Path path, MemorySegment file) {
        Wire top = new Wire(path, file, 0, file.byteSize(), "ModelProto");
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        ByteArrayOutputStream graphRest = new ByteArrayOutputStream();
        List<OnnxTensor> inits = new ArrayList<>();
        int sparse = 0;
        boolean sawGraph = false;
        long graphAt = -1;
        while (top.more()) {
            long start = top.position();
            int tag = top.tag();
            int field = Wire.number(tag);
            if (field == MODEL_GRAPH) {
                top.expect(tag, Wire.LEN, "graph");
                long n = top.length("graph");
                long gStart = top.position();
                if (!sawGraph) graphAt = gStart;
                sawGraph = true;
                Wire g = top.sub(gStart, n, "GraphProto");
                while (g.more()) {
                    long fStart = g.position();
                    int gtag = g.tag();
                    int gfield = Wire.number(gtag);
                    if (gfield == GRAPH_INITIALIZER) {
                        g.expect(gtag, Wire.LEN, "initializer");
                        long tn = g.length("initializer");
                        OnnxTensor t = OnnxTensor.read(g.sub(g.position(), tn, "TensorProto"),
                                "initializer #" + inits.size());
                        inits.add(t);
                        g.skipBytes(tn, "initializer");
                    } else if (gfield == GRAPH_SPARSE_INITIALIZER) {
                        g.skip(gtag);
                        sparse++;
                    } else {
                        g.skip(gtag);
                        graphRest.writeBytes(g.copy(fStart, g.position()));
                    }
                }
                top.skipBytes(n, "graph");
            } else if (field == MODEL_TRAINING_INFO) {
                top.skip(tag); // training initializers and algorithms: not part of the inference model
            } else {
                top.skip(tag);
                header.writeBytes(top.copy(start, top.position()));
            }
        }
        if (!sawGraph) throw new FormatException(path, "ModelProto.graph", 0, "the file has no graph (field 7): not an ONNX model");
        try {
            Onnx.ModelProto model = Onnx.ModelProto.parseFrom(header.toByteArray());
            Onnx.GraphProto graph = Onnx.GraphProto.parseFrom(graphRest.toByteArray());
            return new OnnxScan(model, graph, inits, sparse);
        } catch (InvalidProtocolBufferException e) {
            throw new FormatException(path, "ModelProto (header, nodes, inputs, outputs)", graphAt,
                    "malformed protobuf: " + e.getMessage());
        }
    }
}
