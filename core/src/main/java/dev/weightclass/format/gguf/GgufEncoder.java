package dev.weightclass.format.gguf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.util.List;
import java.util.Map;

/** Writes GGUF header fields little-endian through a buffer into a channel. */
final class GgufEncoder {
    private final WritableByteChannel out;
    private final ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    private long written;

    GgufEncoder(WritableByteChannel out) {
        this.out = out;
    }

    long written() { return written + buf.position(); }

    private void room(int n) throws IOException {
        if (buf.remaining() < n) flush();
    }

    void flush() throws IOException {
        buf.flip();
        while (buf.hasRemaining()) written += out.write(buf);
        buf.clear();
    }

    void u8(int v) throws IOException { room(1); buf.put((byte) v); }
    void u16(int v) throws IOException { room(2); buf.putShort((short) v); }
    void u32(long v) throws IOException { room(4); buf.putInt((int) v); }
    void u64(long v) throws IOException { room(8); buf.putLong(v); }
    void f32(float v) throws IOException { room(4); buf.putFloat(v); }
    void f64(double v) throws IOException { room(8); buf.putDouble(v); }

    void bytes(byte[] b) throws IOException {
        int off = 0;
        while (off < b.length) {
            room(1);
            int n = Math.min(buf.remaining(), b.length - off);
            buf.put(b, off, n);
            off += n;
        }
    }

    void string(Object s) throws IOException {
        byte[] b = GgufValue.utf8(s);
        u64(b.length);
        bytes(b);
    }

    void zeros(long n) throws IOException {
        for (long i = 0; i < n; i++) u8(0);
    }

    void kv(Map<String, GgufValue> kv) throws IOException {
        for (Map.Entry<String, GgufValue> e : kv.entrySet()) {
            string(e.getKey());
            u32(e.getValue().type().id());
            value(e.getValue());
        }
    }

    void value(GgufValue v) throws IOException {
        if (v.type() != GgufValueType.ARRAY) {
            scalar(v.type(), v.value());
            return;
        }
        List<?> list = v.asList();
        u32(v.elementType().id());
        u64(list.size());
        for (Object e : list) {
            if (v.elementType() == GgufValueType.ARRAY) value((GgufValue) e);
            else scalar(v.elementType(), e);
        }
    }

    private void scalar(GgufValueType t, Object v) throws IOException {
        switch (t) {
            case UINT8, INT8 -> u8((Integer) v);
            case UINT16, INT16 -> u16((Integer) v);
            case UINT32 -> u32((Long) v);
            case INT32 -> u32((Integer) v);
            case FLOAT32 -> f32((Float) v);
            case BOOL -> u8((Boolean) v ? 1 : 0);
            case STRING -> string(v);
            case UINT64, INT64 -> u64((Long) v);
            case FLOAT64 -> f64((Double) v);
            case ARRAY -> value((GgufValue) v);
        }
    }

    void tensorInfo(GgufTensorSpec t, long offset) throws IOException {
        string(t.name());
        long[] ne = t.ne();
        u32(ne.length);
        for (long d : ne) u64(d);
        u32(t.type().ggmlId());
        u64(offset);
    }
}
