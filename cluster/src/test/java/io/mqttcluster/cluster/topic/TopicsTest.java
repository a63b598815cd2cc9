package io.mqttcluster.cluster.topic;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TopicsTest {

    private static final TopicLimits LIMITS = new TopicLimits(1024, 32);

    // [MQTT-4.7.1-2] The multi-level wildcard character MUST be specified either on its own or following a
    // topic level separator. In either case it MUST be the last character specified in the Topic Filter.
    @Test
    void filter_multiLevelWildcardNotLastOrNotAlone_isInvalid() {
        assertThat(Topics.checkFilter("#", LIMITS)).isNull();
        assertThat(Topics.checkFilter("sport/#", LIMITS)).isNull();
        assertThat(Topics.checkFilter("sport/tennis#", LIMITS)).isNotNull();
        assertThat(Topics.checkFilter("sport/tennis/#/ranking", LIMITS)).isNotNull();
        assertThat(Topics.checkFilter("#/a", LIMITS)).isNotNull();
        assertThat(Topics.checkFilter("a/#/b", LIMITS)).isNotNull();
    }

    // [MQTT-4.7.1-3] The single-level wildcard can be used at any level in the Topic Filter, including
    // first and last levels. Where it is used it MUST occupy an entire level of the filter.
    @Test
    void filter_singleLevelWildcardNotOccupyingLevel_isInvalid() {
        assertThat(Topics.checkFilter("+", LIMITS)).isNull();
        assertThat(Topics.checkFilter("+/tennis/#", LIMITS)).isNull();
        assertThat(Topics.checkFilter("sport/+/player1", LIMITS)).isNull();
        assertThat(Topics.checkFilter("sport+", LIMITS)).isNotNull();
        assertThat(Topics.checkFilter("sport/+a", LIMITS)).isNotNull();
        assertThat(Topics.checkFilter("a/++", LIMITS)).isNotNull();
    }

    // [MQTT-4.7.3-1] All Topic Names and Topic Filters MUST be at least one character long.
    @Test
    void nameAndFilter_empty_areInvalid() {
        assertThat(Topics.checkTopicName("", LIMITS)).isNotNull();
        assertThat(Topics.checkFilter("", LIMITS)).isNotNull();
    }

    // [MQTT-4.7.3-2] Topic Names and Topic Filters MUST NOT include the null character (Unicode U+0000).
    @Test
    void nameAndFilter_withNullCharacter_areInvalid() {
        assertThat(Topics.checkTopicName("a\0b", LIMITS)).isNotNull();
        assertThat(Topics.checkFilter("a/\0", LIMITS)).isNotNull();
    }

    // [MQTT-3.3.2-2] The Topic Name in the PUBLISH Packet MUST NOT contain wildcard characters.
    @Test
    void topicName_withWildcard_isInvalid() {
        assertThat(Topics.checkTopicName("a/+/c", LIMITS)).isNotNull();
        assertThat(Topics.checkTopicName("a/#", LIMITS)).isNotNull();
        assertThat(Topics.checkTopicName("a/b/c", LIMITS)).isNull();
        assertThat(Topics.checkTopicName("/", LIMITS)).isNull(); // two empty levels are legal
    }

    // [MQTT-4.7.3-3] Topic Names and Topic Filters are UTF-8 encoded strings, they MUST NOT encode to more
    // than 65535 bytes. We apply our own, lower, configured limits on length and levels.
    @Test
    void nameAndFilter_overConfiguredLimits_areInvalid() {
        TopicLimits small = new TopicLimits(10, 3);
        assertThat(Topics.checkTopicName("0123456789", small)).isNull();
        assertThat(Topics.checkTopicName("0123456789a", small)).isNotNull();
        assertThat(Topics.checkTopicName("ééééé", small)).isNull(); // 10 bytes
        assertThat(Topics.checkTopicName("éééééé", small)).isNotNull(); // 12 bytes
        assertThat(Topics.checkTopicName("a/b/c", small)).isNull();
        assertThat(Topics.checkTopicName("a/b/c/d", small)).isNotNull();
        assertThat(Topics.checkFilter("a/+/#", small)).isNull();
        assertThat(Topics.checkFilter("a/+/c/#", small)).isNotNull();
    }

    // [MQTT-4.7.1-2] "sport/tennis/player1/#" matches "sport/tennis/player1", "sport/tennis/player1/ranking"
    // and "sport/tennis/player1/score/wimbledon"; "sport/#" also matches the singular "sport".
    @Test
    void match_multiLevelWildcard_matchesParentAndAllChildren() {
        assertThat(Topics.matches("sport/tennis/player1/#", "sport/tennis/player1")).isTrue();
        assertThat(Topics.matches("sport/tennis/player1/#", "sport/tennis/player1/ranking")).isTrue();
        assertThat(Topics.matches("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon")).isTrue();
        assertThat(Topics.matches("sport/#", "sport")).isTrue();
        assertThat(Topics.matches("sport/#", "sports")).isFalse();
        assertThat(Topics.matches("#", "a/b/c")).isTrue();
        assertThat(Topics.matches("#", "/")).isTrue();
    }

    // [MQTT-4.7.1-3] "sport/tennis/+" matches "sport/tennis/player1" but not "sport/tennis/player1/ranking";
    // "sport/+" does not match "sport" but does match "sport/"; "+/+" and "/+" match "/finance".
    @Test
    void match_singleLevelWildcard_matchesExactlyOneLevel() {
        assertThat(Topics.matches("sport/tennis/+", "sport/tennis/player1")).isTrue();
        assertThat(Topics.matches("sport/tennis/+", "sport/tennis/player1/ranking")).isFalse();
        assertThat(Topics.matches("sport/+", "sport")).isFalse();
        assertThat(Topics.matches("sport/+", "sport/")).isTrue();
        assertThat(Topics.matches("+/+", "/finance")).isTrue();
        assertThat(Topics.matches("/+", "/finance")).isTrue();
        assertThat(Topics.matches("+", "/finance")).isFalse();
        assertThat(Topics.matches("+/+/#", "a/")).isTrue();
    }

    // [MQTT-4.7.2-1] The Server MUST NOT match Topic Filters starting with a wildcard character (# or +)
    // with Topic Names beginning with a $ character.
    @Test
    void match_wildcardAtStart_doesNotMatchDollarTopics() {
        assertThat(Topics.matches("#", "$SYS/broker/clients")).isFalse();
        assertThat(Topics.matches("+/monitor/Clients", "$SYS/monitor/Clients")).isFalse();
        assertThat(Topics.matches("$SYS/#", "$SYS/monitor/Clients")).isTrue();
        assertThat(Topics.matches("$SYS/monitor/+", "$SYS/monitor/Clients")).isTrue();
    }

    // [MQTT-4.7.3-4] Topic Names and Topic Filters are case sensitive and may contain spaces.
    @Test
    void match_isCaseSensitiveAndLiteral() {
        assertThat(Topics.matches("ACCOUNTS", "accounts")).isFalse();
        assertThat(Topics.matches("Accounts payable", "Accounts payable")).isTrue();
        assertThat(Topics.matches("a/b", "a/b/")).isFalse();
        assertThat(Topics.matches("a//b", "a//b")).isTrue();
        assertThat(Topics.matches("a/+/b", "a//b")).isTrue();
    }

    // MQTT 5.0 [MQTT-4.8.2-1] [MQTT-4.8.2-2]: $share/{ShareName}/{filter}, ShareName at least one
    // character, no "/", "+" or "#".
    @Test
    void sharedSubscription_parsesGroupAndFilter_andRejectsBadShareNames() {
        SharedSubscription s = SharedSubscription.parse("$share/ingest/fleet/+/telemetry", LIMITS);
        assertThat(s.group()).isEqualTo("ingest");
        assertThat(s.filter()).isEqualTo("fleet/+/telemetry");
        assertThat(s.subscriptionFilter()).isEqualTo("$share/ingest/fleet/+/telemetry");
        assertThatThrownBy(() -> SharedSubscription.parse("$share//a", LIMITS)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SharedSubscription.parse("$share/g+/a", LIMITS)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SharedSubscription.parse("$share/g", LIMITS)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SharedSubscription.parse("$share/g/a/#/b", LIMITS)).isInstanceOf(IllegalArgumentException.class);
    }
}
