package dev.weightclass.format.onnx;

import dev.weightclass.format.onnx.proto.Onnx;
import dev.weightclass.tensor.TensorType;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * ONNX Runtime's block-quantized operators store 4-bit weights as bytes: {@code MatMulNBits} keeps
 * B as uint8 [N, blocks, blob] for a logical [N, K] matrix, {@code GatherBlockQuantized} keeps an
 * embedding table as uint8 [V, D/2]. Counting those bytes as parameters would halve the model.
 * This gives such initializers their logical view: element type U4 (or U8 for 8-bit) and the
 * logical shape, with the same bytes (the packing is row-major, low nibble first, which is the U4
 * layout).
 */
final class PackedWeights {
    private PackedWeights() {}

    static List<OnnxTensor> logicalView(List<OnnxTensor> tensors, Onnx.GraphProto graph) {
        Map<String, OnnxTensor> byName = new HashMap<>();
        for (OnnxTensor t : tensors) byName.put(t.name(), t);
        Map<String, OnnxTensor> replaced = new HashMap<>();
        for (Onnx.NodeProto n : graph.getNodeList()) {
            if (n.getInputCount() < 1) continue;
            if (n.getOpType().equals("MatMulNBits") && n.getInputCount() >= 2) {
                OnnxTensor b = byName.get(n.getInput(1));
                long k = attr(n, "K", 0), nOut = attr(n, "N", 0), bits = attr(n, "bits", 4), block = attr(n, "block_size", 0);
                if (b == null || b.type() != TensorType.U8 || k <= 0 || nOut <= 0 || block <= 0 || (bits != 4 && bits != 8)) continue;
                long blocks = (k + block - 1) / block;
                long paddedK = blocks * block;
                // Only when the stored bytes are exactly the packed [N, blocks * block_size] matrix.
                if (b.byteSize() != nOut * paddedK * bits / 8) continue;
                replaced.put(b.name(), with(b, new long[] {nOut, paddedK}, bits == 4 ? TensorType.U4 : TensorType.U8));
            } else if (n.getOpType().equals("GatherBlockQuantized")) {
                OnnxTensor d = byName.get(n.getInput(0));
                long bits = attr(n, "bits", 4);
                if (d == null || d.type() != TensorType.U8 || bits != 4 || d.dims().length == 0) continue;
                long[] shape = d.dims().clone();
                shape[shape.length - 1] *= 2;
                replaced.put(d.name(), with(d, shape, TensorType.U4));
            }
        }
        if (replaced.isEmpty()) return tensors;
        List<OnnxTensor> out = new ArrayList<>(tensors.size());
        for (OnnxTensor t : tensors) out.add(replaced.getOrDefault(t.name(), t));
        return out;
    }

    private static OnnxTensor with(OnnxTensor t, long[] shape, TensorType type) {
        long elements = 1;
        for (long d : shape) elements = Math.multiplyExact(elements, d);
        return new OnnxTensor(t.name(), shape, t.dataType(), type, elements, t.byteSize(), t.storage(),
                t.fileIndex(), t.offset(), t.runs(), t.externalData(), t.protoOffset(), t.protoLength());
    }

    private static long attr(Onnx.NodeProto n, String name, long dflt) {
        for (Onnx.AttributeProto a : n.getAttributeList()) if (a.getName().equals(name)) return a.getI();
        return dflt;
    }
}
