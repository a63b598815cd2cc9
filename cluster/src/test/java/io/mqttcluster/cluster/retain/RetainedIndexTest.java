package io.mqttcluster.cluster.retain;

import io.mqttcluster.cluster.message.Message;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RetainedIndexTest {

    private static Message m(String topic) {
        return new Message(0, 0, topic, new byte[]{1}, 1, true, "p", 0, null);
    }

    private static List<String> match(RetainedIndex index, String filter) {
        List<String> out = new ArrayList<>();
        index.match(filter, msg -> out.add(msg.topic()));
        return out;
    }

    @Test
    void match_wildcardFilters_findMatchingRetainedTopicsOnly() {
        RetainedIndex index = new RetainedIndex();
        for (String t : List.of("sensors/1/temp", "sensors/2/temp", "sensors/2/hum", "sensors", "other/x", "$SYS/up")) {
            index.put(m(t));
        }
        assertThat(match(index, "sensors/+/temp")).containsExactlyInAnyOrder("sensors/1/temp", "sensors/2/temp");
        assertThat(match(index, "sensors/#")).containsExactlyInAnyOrder("sensors", "sensors/1/temp", "sensors/2/temp", "sensors/2/hum");
        assertThat(match(index, "#")).hasSize(5).doesNotContain("$SYS/up"); // [MQTT-4.7.2-1]
        assertThat(match(index, "+/x")).containsExactly("other/x");
        assertThat(match(index, "$SYS/#")).containsExactly("$SYS/up");
        assertThat(match(index, "sensors/2/hum")).containsExactly("sensors/2/hum");
    }

    @Test
    void putAndRemove_replaceAndClearPerTopic() {
        RetainedIndex index = new RetainedIndex();
        index.put(m("a/b"));
        Message second = new Message(0, 1, "a/b", new byte[]{2}, 0, true, "p", 0, null);
        index.put(second);
        assertThat(index.size()).isEqualTo(1);
        assertThat(index.get("a/b")).isSameAs(second);
        index.remove("a/b");
        assertThat(index.size()).isZero();
        assertThat(match(index, "#")).isEmpty();
        index.remove("never/there");
        assertThat(index.size()).isZero();
    }
}
