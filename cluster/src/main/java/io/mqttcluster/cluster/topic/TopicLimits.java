package io.mqttcluster.cluster.topic;

/**
 * Limits on topic names and filters. The spec allows 65,535 bytes and any number of levels; a broker that
 * indexes topics in a tree bounds both so one client cannot make matching or memory expensive.
 *
 * @param maxLength maximum length in UTF-8 bytes
 * @param maxLevels maximum number of levels (separators + 1)
 */
public record TopicLimits(int maxLength, int maxLevels) {

    /** The spec's own bound and a generous level count. */
    public static final TopicLimits SPEC = new TopicLimits(65_535, 1_000);

    public TopicLimits {
        if (maxLength < 1 || maxLength > 65_535) {
            throw new IllegalArgumentException("maxLength must be 1..65535: " + maxLength);
        }
        if (maxLevels < 1) {
            throw new IllegalArgumentException("maxLevels must be positive: " + maxLevels);
        }
    }
}
