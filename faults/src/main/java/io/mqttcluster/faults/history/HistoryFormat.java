package io.mqttcluster.faults.history;

import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The text form of an {@link Event}: one line {@code ev=Name k=v k=v ...}, fields in record order; values hold
 * no spaces (they are replaced by '_'). Written while the run goes and read back by {@code Main --check}.
 */
public final class HistoryFormat {

    private static final Map<String, Class<?>> TYPES = new HashMap<>();

    static {
        for (Class<?> c : Event.class.getPermittedSubclasses()) {
            TYPES.put(c.getSimpleName(), c);
        }
    }

    private HistoryFormat() {
    }

    public static String format(Event e) {
        StringBuilder b = new StringBuilder(96).append("ev=").append(e.getClass().getSimpleName());
        try {
            for (RecordComponent rc : e.getClass().getRecordComponents()) {
                Object v = rc.getAccessor().invoke(e);
                b.append(' ').append(rc.getName()).append('=');
                if (v instanceof Boolean bool) {
                    b.append(bool ? '1' : '0');
                } else {
                    String s = String.valueOf(v);
                    b.append(s.isEmpty() ? "-" : s.replace(' ', '_').replace('\n', '_'));
                }
            }
        } catch (ReflectiveOperationException ex) {
            throw new IllegalStateException(ex);
        }
        return b.toString();
    }

    public static Event parse(String line) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String part : line.trim().split(" ")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                fields.put(part.substring(0, eq), part.substring(eq + 1));
            }
        }
        Class<?> type = TYPES.get(fields.get("ev"));
        if (type == null) {
            throw new IllegalArgumentException("not a history line: " + line);
        }
        RecordComponent[] rcs = type.getRecordComponents();
        Class<?>[] types = new Class<?>[rcs.length];
        Object[] args = new Object[rcs.length];
        for (int i = 0; i < rcs.length; i++) {
            types[i] = rcs[i].getType();
            String v = fields.get(rcs[i].getName());
            if (v == null) {
                throw new IllegalArgumentException("missing " + rcs[i].getName() + " in: " + line);
            }
            args[i] = value(types[i], v);
        }
        try {
            Constructor<?> c = type.getDeclaredConstructor(types);
            return (Event) c.newInstance(args);
        } catch (ReflectiveOperationException ex) {
            throw new IllegalArgumentException("cannot read: " + line, ex);
        }
    }

    private static Object value(Class<?> type, String v) {
        if (type == long.class) {
            return Long.parseLong(v);
        }
        if (type == int.class) {
            return Integer.parseInt(v);
        }
        if (type == boolean.class) {
            return "1".equals(v) || "true".equals(v);
        }
        return "-".equals(v) ? "" : v;
    }
}
