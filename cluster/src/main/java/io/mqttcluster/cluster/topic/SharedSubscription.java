package io.mqttcluster.cluster.topic;

/**
 * A shared subscription filter {@code $share/<group>/<filter>} (MQTT 5.0 section 4.8.2; many 3.1.1
 * brokers accept it too): every message matching {@code filter} goes to one member of {@code group}.
 *
 * @param group  the share name: at least one character, no '/', '+' or '#' [MQTT-4.8.2-1] [MQTT-4.8.2-2]
 * @param filter the topic filter the group subscribes to
 */
public record SharedSubscription(String group, String filter) {

    public static final String PREFIX = "$share/";

    /** True when the subscription filter starts with {@code $share/}. */
    public static boolean isShared(String subscriptionFilter) {
        return subscriptionFilter.startsWith(PREFIX);
    }

    /**
     * Parses and validates a shared subscription filter.
     *
     * @throws IllegalArgumentException with a short reason when it is not valid
     */
    public static SharedSubscription parse(String subscriptionFilter, TopicLimits limits) {
        if (!isShared(subscriptionFilter)) {
            throw new IllegalArgumentException("not a shared subscription");
        }
        int groupEnd = subscriptionFilter.indexOf(Topics.SEPARATOR, PREFIX.length());
        if (groupEnd < 0) {
            throw new IllegalArgumentException("shared subscription without a topic filter");
        }
        String group = subscriptionFilter.substring(PREFIX.length(), groupEnd);
        if (group.isEmpty()) {
            throw new IllegalArgumentException("empty share name");
        }
        for (int i = 0; i < group.length(); i++) {
            char c = group.charAt(i);
            if (c == Topics.SINGLE_LEVEL || c == Topics.MULTI_LEVEL || c == '\0') {
                throw new IllegalArgumentException("share name holds a wildcard");
            }
        }
        String filter = subscriptionFilter.substring(groupEnd + 1);
        String problem = Topics.checkFilter(filter, limits);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        return new SharedSubscription(group, filter);
    }

    /** The subscription filter as the client wrote it. */
    public String subscriptionFilter() {
        return PREFIX + group + Topics.SEPARATOR + filter;
    }
}
