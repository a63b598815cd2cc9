package io.mqttcluster.faults.report;

import java.lang.reflect.RecordComponent;
import java.util.Collection;
import java.util.Map;

/** A small JSON writer for the report: maps, collections, records (by component), strings, numbers, booleans. */
public final class Json {

    private Json() {
    }

    public static String write(Object value) {
        StringBuilder b = new StringBuilder();
        write(b, value, 0);
        return b.append('\n').toString();
    }

    private static void write(StringBuilder b, Object v, int depth) {
        if (v == null) {
            b.append("null");
        } else if (v instanceof String s) {
            string(b, s);
        } else if (v instanceof Number || v instanceof Boolean) {
            b.append(v);
        } else if (v instanceof Map<?, ?> m) {
            b.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                first = sep(b, first, depth + 1);
                string(b, String.valueOf(e.getKey()));
                b.append(": ");
                write(b, e.getValue(), depth + 1);
            }
            close(b, '}', first, depth);
        } else if (v instanceof Collection<?> c) {
            b.append('[');
            boolean first = true;
            for (Object o : c) {
                first = sep(b, first, depth + 1);
                write(b, o, depth + 1);
            }
            close(b, ']', first, depth);
        } else if (v instanceof Record r) {
            b.append('{');
            boolean first = true;
            try {
                for (RecordComponent rc : r.getClass().getRecordComponents()) {
                    first = sep(b, first, depth + 1);
                    string(b, rc.getName());
                    b.append(": ");
                    write(b, rc.getAccessor().invoke(r), depth + 1);
                }
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
            close(b, '}', first, depth);
        } else {
            string(b, v.toString());
        }
    }

    private static boolean sep(StringBuilder b, boolean first, int depth) {
        if (!first) {
            b.append(',');
        }
        b.append('\n').append("  ".repeat(depth));
        return false;
    }

    private static void close(StringBuilder b, char c, boolean empty, int depth) {
        if (!empty) {
            b.append('\n').append("  ".repeat(depth));
        }
        b.append(c);
    }

    private static void string(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
