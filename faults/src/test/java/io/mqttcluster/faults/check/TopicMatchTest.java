package io.mqttcluster.faults.check;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** MQTT 3.1.1 4.7 matching as the checker applies it. */
class TopicMatchTest {

    @Test
    void wildcards_matchAsTheSpecSays() {
        assertThat(TopicMatch.matches("h/#", "h/p1/t")).isTrue();
        assertThat(TopicMatch.matches("h/#", "h")).isTrue(); // [MQTT-4.7.1-2] the parent level too
        assertThat(TopicMatch.matches("h/+/t", "h/p1/t")).isTrue();
        assertThat(TopicMatch.matches("h/+/t", "h/p1/x")).isFalse();
        assertThat(TopicMatch.matches("h/+", "h/p1/t")).isFalse();
        assertThat(TopicMatch.matches("h/p1/t", "h/p1/t")).isTrue();
        assertThat(TopicMatch.matches("h/p1/t", "h/p2/t")).isFalse();
        assertThat(TopicMatch.matches("#", "$SYS/x")).isFalse(); // [MQTT-4.7.2-1]
    }

    @Test
    void sharedFilter_matchesByItsFilterPart() {
        assertThat(TopicMatch.effectiveFilter("$share/g1/h/#")).isEqualTo("h/#");
        assertThat(TopicMatch.matches("$share/g1/h/#", "h/p3/t")).isTrue();
        assertThat(TopicMatch.matches("$share/g1/h/+/x", "h/p3/t")).isFalse();
    }
}
