package io.mqttcluster.cluster.topic;

/**
 * Topic names and topic filters: validation and matching, per MQTT 3.1.1 section 4.7 and MQTT 5.0 section 4.7.
 *
 * <p>A topic name is what a PUBLISH carries ({@code sensors/42/temp}); a topic filter is what a SUBSCRIBE
 * carries and may hold the wildcards {@code +} (exactly one level) and {@code #} (this level and every
 * level below, last only). Levels are separated by {@code /}; empty levels are legal ({@code a//b}).
 * Topics starting with {@code $} are reserved for the server ({@code $SYS/...}) and are not matched by a
 * filter that starts with a wildcard [MQTT-4.7.2-1].
 *
 * <p>Stateless and thread-safe.
 */
public final class Topics {

    public static final char SEPARATOR = '/';
    public static final char SINGLE_LEVEL = '+';
    public static final char MULTI_LEVEL = '#';

    private Topics() {
    }

    /**
     * Checks a topic name from a PUBLISH or a will.
     *
     * @return null when the name is valid, else a short reason for logs
     */
    public static String checkTopicName(String topic, TopicLimits limits) {
        if (topic == null || topic.isEmpty()) {
            return "empty topic name"; // [MQTT-4.7.3-1]
        }
        String lengthProblem = checkLength(topic, limits);
        if (lengthProblem != null) {
            return lengthProblem;
        }
        int levels = 1;
        for (int i = 0; i < topic.length(); i++) {
            char c = topic.charAt(i);
            if (c == SINGLE_LEVEL || c == MULTI_LEVEL) {
                return "wildcard in topic name"; // [MQTT-3.3.2-2]
            }
            if (c == '\0') {
                return "null character in topic"; // [MQTT-4.7.3-2]
            }
            if (c == SEPARATOR && ++levels > limits.maxLevels()) {
                return "too many topic levels";
            }
        }
        return null;
    }

    /**
     * Checks a topic filter from a SUBSCRIBE or UNSUBSCRIBE. A shared subscription
     * ({@code $share/group/filter}) is checked by {@link SharedSubscription#parse}, which calls this for
     * its filter part.
     *
     * @return null when the filter is valid, else a short reason for logs
     */
    public static String checkFilter(String filter, TopicLimits limits) {
        if (filter == null || filter.isEmpty()) {
            return "empty topic filter"; // [MQTT-4.7.3-1]
        }
        String lengthProblem = checkLength(filter, limits);
        if (lengthProblem != null) {
            return lengthProblem;
        }
        int levels = 1;
        int levelStart = 0;
        for (int i = 0; i < filter.length(); i++) {
            char c = filter.charAt(i);
            if (c == '\0') {
                return "null character in topic filter"; // [MQTT-4.7.3-2]
            }
            if (c == SEPARATOR) {
                if (++levels > limits.maxLevels()) {
                    return "too many topic levels";
                }
                levelStart = i + 1;
            } else if (c == SINGLE_LEVEL) {
                // [MQTT-4.7.1-3] '+' must occupy an entire level
                boolean aloneAtStart = i == levelStart;
                boolean aloneAtEnd = i + 1 == filter.length() || filter.charAt(i + 1) == SEPARATOR;
                if (!aloneAtStart || !aloneAtEnd) {
                    return "'+' must occupy an entire level";
                }
            } else if (c == MULTI_LEVEL) {
                // [MQTT-4.7.1-2] '#' must be alone in the last level
                if (i != levelStart || i + 1 != filter.length()) {
                    return "'#' must be the last level and alone in it";
                }
            }
        }
        return null;
    }

    /** True when the filter holds {@code +} or {@code #}. */
    public static boolean hasWildcard(String filter) {
        for (int i = 0; i < filter.length(); i++) {
            char c = filter.charAt(i);
            if (c == SINGLE_LEVEL || c == MULTI_LEVEL) {
                return true;
            }
        }
        return false;
    }

    /** True when the topic is a server topic ({@code $SYS/...} and the like). */
    public static boolean isDollarTopic(String topic) {
        return !topic.isEmpty() && topic.charAt(0) == '$';
    }

    /**
     * Matches a valid topic name against a valid topic filter, level by level, without allocating. Used
     * by tests and small lookups; the broker's hot path uses {@link TopicTree}.
     */
    public static boolean matches(String filter, String topic) {
        if (isDollarTopic(topic) && !filter.isEmpty()
                && (filter.charAt(0) == SINGLE_LEVEL || filter.charAt(0) == MULTI_LEVEL)) {
            return false; // [MQTT-4.7.2-1]
        }
        int fl = filter.length();
        int tl = topic.length();
        int fi = 0;
        int ti = 0;
        while (true) {
            int fEnd = levelEnd(filter, fi);
            if (fEnd - fi == 1 && filter.charAt(fi) == MULTI_LEVEL) {
                return true;
            }
            int tEnd = levelEnd(topic, ti);
            boolean plus = fEnd - fi == 1 && filter.charAt(fi) == SINGLE_LEVEL;
            if (!plus && (fEnd - fi != tEnd - ti || !filter.regionMatches(fi, topic, ti, fEnd - fi))) {
                return false;
            }
            boolean filterDone = fEnd == fl;
            boolean topicDone = tEnd == tl;
            if (filterDone && topicDone) {
                return true;
            }
            if (topicDone) {
                // "sport/#" also matches "sport": the parent level [MQTT-4.7.1-2]
                return fEnd + 2 == fl && filter.charAt(fEnd + 1) == MULTI_LEVEL;
            }
            if (filterDone) {
                return false;
            }
            fi = fEnd + 1;
            ti = tEnd + 1;
        }
    }

    private static int levelEnd(String s, int from) {
        int i = s.indexOf(SEPARATOR, from);
        return i < 0 ? s.length() : i;
    }

    /** Splits on '/', keeping empty levels. */
    public static String[] levels(String topic) {
        int count = 1;
        for (int i = 0; i < topic.length(); i++) {
            if (topic.charAt(i) == SEPARATOR) {
                count++;
            }
        }
        String[] out = new String[count];
        int start = 0;
        int n = 0;
        for (int i = 0; i < topic.length(); i++) {
            if (topic.charAt(i) == SEPARATOR) {
                out[n++] = topic.substring(start, i);
                start = i + 1;
            }
        }
        out[n] = topic.substring(start);
        return out;
    }

    private static String checkLength(String s, TopicLimits limits) {
        if (s.length() > limits.maxLength()) {
            return "topic longer than " + limits.maxLength() + " bytes";
        }
        // a char is at most 3 UTF-8 bytes; count exactly only when that bound could be passed
        if ((long) s.length() * 3 > limits.maxLength() && utf8Length(s) > limits.maxLength()) {
            return "topic longer than " + limits.maxLength() + " bytes";
        }
        return null;
    }

    /** The length of a string in UTF-8 bytes, without encoding it. */
    public static int utf8Length(String s) {
        int bytes = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c)) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }
}
