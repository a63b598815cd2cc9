package io.mqttcluster.faults.check;

/** MQTT 3.1.1 topic filter matching (4.7), with {@code $share/group/} stripped off a shared filter first. */
public final class TopicMatch {

    private TopicMatch() {
    }

    /** The filter a shared subscription applies ({@code $share/g/a/#} -> {@code a/#}); others unchanged. */
    public static String effectiveFilter(String filter) {
        if (filter.startsWith("$share/")) {
            int slash = filter.indexOf('/', 7);
            return slash < 0 ? filter : filter.substring(slash + 1);
        }
        return filter;
    }

    public static boolean matches(String filter, String topic) {
        String[] f = effectiveFilter(filter).split("/", -1);
        String[] t = topic.split("/", -1);
        if (topic.startsWith("$") && (f[0].equals("#") || f[0].equals("+"))) {
            return false; // [MQTT-4.7.2-1]
        }
        for (int i = 0; i < f.length; i++) {
            if (f[i].equals("#")) {
                return true; // also matches the parent level [MQTT-4.7.1-2]
            }
            if (i >= t.length) {
                return false;
            }
            if (!f[i].equals("+") && !f[i].equals(t[i])) {
                return false;
            }
        }
        return f.length == t.length;
    }
}
