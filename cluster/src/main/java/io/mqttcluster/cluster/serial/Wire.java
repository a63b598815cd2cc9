package io.mqttcluster.cluster.serial;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The building blocks of every stored and node-to-node format: nullable strings and byte arrays, and
 * collections of strings. One place, so all formats encode them alike. Imports only {@code java.*}.
 */
public final class Wire {

    private Wire() {
    }

    /** A nullable string: its UTF-8 length (-1 for null), then the bytes. */
    public static void writeString(DataOutput out, String s) throws IOException {
        if (s == null) {
            out.writeInt(-1);
            return;
        }
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    public static String readString(DataInput in) throws IOException {
        int length = in.readInt();
        if (length < 0) {
            return null;
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** A nullable byte array: its length (-1 for null), then the bytes. */
    public static void writeBytes(DataOutput out, byte[] b) throws IOException {
        if (b == null) {
            out.writeInt(-1);
            return;
        }
        out.writeInt(b.length);
        out.write(b);
    }

    public static byte[] readBytes(DataInput in) throws IOException {
        int length = in.readInt();
        if (length < 0) {
            return null;
        }
        byte[] b = new byte[length];
        in.readFully(b);
        return b;
    }

    public static void writeStrings(DataOutput out, Collection<String> strings) throws IOException {
        out.writeInt(strings.size());
        for (String s : strings) {
            writeString(out, s);
        }
    }

    public static List<String> readStringList(DataInput in) throws IOException {
        int n = in.readInt();
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(readString(in));
        }
        return out;
    }

    public static Set<String> readStringSet(DataInput in) throws IOException {
        int n = in.readInt();
        Set<String> out = new HashSet<>(n * 2);
        for (int i = 0; i < n; i++) {
            out.add(readString(in));
        }
        return out;
    }

    public static void writeInts(DataOutput out, int[] values) throws IOException {
        out.writeShort(values.length);
        for (int v : values) {
            out.writeInt(v);
        }
    }

    public static int[] readInts(DataInput in) throws IOException {
        int n = in.readUnsignedShort();
        int[] values = new int[n];
        for (int i = 0; i < n; i++) {
            values[i] = in.readInt();
        }
        return values;
    }
}
