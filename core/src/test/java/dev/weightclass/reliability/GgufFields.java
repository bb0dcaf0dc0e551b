package dev.weightclass.reliability;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the fields of a real GGUF file sit, so the catalogue can break each one on purpose:
 * the end of every section and metadata entry, and each tensor info's name, dimensions, type
 * and offset. Walks a well-formed file only.
 */
final class GgufFields {
    record Tensor(int nameAt, int nameLength, int dimsCountAt, int dimsAt, int dims, int typeAt, int offsetAt) {}

    final List<Integer> boundaries = new ArrayList<>();
    final List<Integer> keyAts = new ArrayList<>();
    final List<Tensor> tensors = new ArrayList<>();
    int dataStart;

    GgufFields(byte[] file) {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        b.position(8);
        long tensorCount = b.getLong();
        long kvCount = b.getLong();
        boundaries.add(4);
        boundaries.add(8);
        boundaries.add(24);
        int alignment = 32;
        for (long i = 0; i < kvCount; i++) {
            keyAts.add(b.position() + 8);
            String key = string(b);
            int type = b.getInt();
            long v = value(b, type);
            if (key.equals("general.alignment")) alignment = (int) v;
            boundaries.add(b.position());
        }
        for (long i = 0; i < tensorCount; i++) {
            int nameAt = b.position() + 8;
            int nameLength = (int) b.getLong(b.position());
            string(b);
            int dimsCountAt = b.position();
            int dims = b.getInt();
            int dimsAt = b.position();
            b.position(b.position() + 8 * dims);
            int typeAt = b.position();
            b.getInt();
            int offsetAt = b.position();
            b.getLong();
            tensors.add(new Tensor(nameAt, nameLength, dimsCountAt, dimsAt, dims, typeAt, offsetAt));
            boundaries.add(b.position());
        }
        dataStart = (b.position() + alignment - 1) / alignment * alignment;
        boundaries.add(dataStart);
    }

    private static String string(ByteBuffer b) {
        int n = (int) b.getLong();
        byte[] s = new byte[n];
        b.get(s);
        return new String(s, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Skips a value; returns it when it is an integer (for general.alignment). */
    private static long value(ByteBuffer b, int type) {
        switch (type) {
            case 0, 1, 7 -> { return b.get(); }
            case 2, 3 -> { return b.getShort(); }
            case 4, 5 -> { return b.getInt(); }
            case 6 -> { b.getFloat(); return 0; }
            case 10, 11 -> { return b.getLong(); }
            case 12 -> { b.getDouble(); return 0; }
            case 8 -> { string(b); return 0; }
            case 9 -> {
                int inner = b.getInt();
                long n = b.getLong();
                for (long i = 0; i < n; i++) value(b, inner);
                return 0;
            }
            default -> throw new IllegalArgumentException("GGUF value type " + type);
        }
    }
}
